// The synthetic sysfs writer and discovery agree: discovering the written tree gives back the
// synthetic machine's facts.

#include "common/testing/synthetic_sysfs.h"

#include <catch2/catch.hpp>

#include "common/sysfs_topology.h"
#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

void CheckRoundTrip(const testing::SyntheticShape& shape) {
  INFO("shape " << shape.Name());
  testing::TempDir dir("dracpu-synth");
  REQUIRE(testing::WriteSyntheticSysfs(shape, dir.path()).ok());
  auto found = DiscoverTopology(dir.path());
  INFO(found.status().ToString());
  REQUIRE(found.ok());
  const std::vector<CpuInfo> want = testing::SyntheticCpus(shape);
  REQUIRE(found->cpus().size() == want.size());
  for (const CpuInfo& w : want) {
    INFO("cpu " << w.id);
    const CpuInfo* got = found->cpu(w.id);
    REQUIRE(got != nullptr);
    CHECK(got->online == w.online);
    CHECK(got->numa_node == w.numa_node);
    if (!w.online) continue;  // the kernel keeps no topology for offline CPUs
    CHECK(got->package == w.package);
    CHECK(got->die == w.die);
    CHECK(got->core_cpus == w.core_cpus);
    CHECK(got->l3_cpus == w.l3_cpus);
    CHECK(got->llc_cpus == w.llc_cpus);
    CHECK(got->core_type == w.core_type);
  }
  const Topology expected = testing::SyntheticTopology(shape);
  CHECK(found->online() == expected.online());
  CHECK(found->packages() == expected.packages());
  CHECK(found->numa_nodes() == expected.numa_nodes());
  CHECK(found->cores() == expected.cores());
  CHECK(found->l3_groups() == expected.l3_groups());
  CHECK(found->llc_groups() == expected.llc_groups());
  CHECK(found->smt_enabled() == expected.smt_enabled());
}

TEST_CASE("synthetic sysfs trees discover as their shape", "[synthetic_sysfs]") {
  SECTION("small, with offline CPUs") {
    testing::SyntheticShape shape{2, 2, 2, 2, 2, CpuSet{1, 5, 17, 31}};
    CheckRoundTrip(shape);
  }
  SECTION("one thread per core") { CheckRoundTrip({1, 2, 1, 4, 1, {}}); }
  SECTION("1024 CPUs") { CheckRoundTrip(testing::Shape1024()); }
}

}  // namespace
}  // namespace dracpu
