#include "common/topology.h"

#include <catch2/catch.hpp>

#include "common/testing/synthetic_topology.h"

namespace dracpu {
namespace {

TEST_CASE("Topology::Build derives node-unique cores when core_id repeats", "[topology]") {
  // Two packages whose cores both carry core_id 0: the sibling sets tell them apart.
  std::vector<CpuInfo> cpus(4);
  for (int i = 0; i < 4; ++i) {
    cpus[i].id = i;
    cpus[i].package = i / 2;
    cpus[i].numa_node = 0;
  }
  cpus[0].core_cpus = cpus[1].core_cpus = CpuSet{0, 1};
  cpus[2].core_cpus = cpus[3].core_cpus = CpuSet{2, 3};
  auto t = Topology::Build(cpus);
  REQUIRE(t.ok());
  CHECK(t->cores().size() == 2);
  CHECK(t->cpu(3)->core == 1);
  CHECK(t->CoreSiblings(2) == CpuSet({2, 3}));
  CHECK(t->smt_enabled());
  CHECK(t->l3_groups().empty());
  CHECK(t->cpu(0)->l3 == -1);
}

TEST_CASE("Topology::Build leaves offline CPUs out of every group", "[topology]") {
  testing::SyntheticShape shape{1, 1, 1, 2, 2, CpuSet{3}};
  Topology t = testing::SyntheticTopology(shape);
  CHECK(t.cpus().size() == 4);
  CHECK(t.online() == CpuSet({0, 1, 2}));
  CHECK(t.cpu(3)->core == -1);
  CHECK(t.CoreSiblings(1) == CpuSet({1}));
  CHECK(t.CoreSiblings(0) == CpuSet({0, 2}));
  CHECK(t.packages().at(0) == CpuSet({0, 1, 2}));
}

TEST_CASE("Topology::Build refuses bad input", "[topology]") {
  CHECK_FALSE(Topology::Build({}).ok());
  std::vector<CpuInfo> dup(2);
  dup[0].id = dup[1].id = 1;
  CHECK_FALSE(Topology::Build(dup).ok());
  std::vector<CpuInfo> offline(1);
  offline[0].id = 0;
  offline[0].online = false;
  CHECK_FALSE(Topology::Build(offline).ok());
}

TEST_CASE("Synthetic shapes have the sizes they promise", "[topology]") {
  Topology t = testing::SyntheticTopology(testing::Shape1024());
  CHECK(t.online().Size() == 1024);
  CHECK(t.packages().size() == 2);
  CHECK(t.numa_nodes().size() == 16);
  CHECK(t.l3_groups().size() == 64);
  CHECK(t.cores().size() == 512);
  CHECK(t.CoreSiblings(0) == CpuSet({0, 512}));
  Topology big = testing::SyntheticTopology(testing::Shape4096());
  CHECK(big.online().Size() == 4096);
  CHECK(big.cores().size() == 2048);
}

}  // namespace
}  // namespace dracpu
