#include "driver/core/device_catalog.h"

#include <catch2/catch.hpp>

#include "common/testing/synthetic_topology.h"
#include "driver/core/test_topologies.h"

namespace dracpu {
namespace {

int64_t IntAttr(const CpuDevice& d, const std::string& name) {
  REQUIRE(d.attributes.count(name) == 1);
  return std::get<int64_t>(d.attributes.at(name));
}

TEST_CASE("individual devices put SMT siblings next to each other") {
  Topology t = testing::EightCpuTwoNode();
  DeviceLayout layout{CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {}};
  DeviceCatalog c = DeviceCatalog::Build(t, layout).value();
  REQUIRE(c.devices().size() == 8);
  std::vector<int> order;
  for (const CpuDevice& d : c.devices()) order.push_back(d.cpus.First());
  CHECK(order == std::vector<int>{0, 4, 1, 5, 2, 6, 3, 7});
  CHECK(c.devices()[0].name == "cpudev000");
  CHECK(c.devices()[7].name == "cpudev007");
  CHECK(c.Find("cpudev001")->cpus == CpuSet{4});
  CHECK(c.Find("cpudev008") == nullptr);
}

TEST_CASE("individual device attributes have the published names and types") {
  Topology t = testing::EightCpuTwoNode();
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {}}).value();
  const CpuDevice& d = *c.Find("cpudev005");  // CPU 6: core 2, NUMA 1, socket 1
  CHECK(IntAttr(d, "dra.cpu/cpuID") == 6);
  CHECK(IntAttr(d, "dra.cpu/coreID") == 2);
  CHECK(IntAttr(d, "dra.cpu/cacheL3ID") == 1);
  CHECK(IntAttr(d, "dra.cpu/socketID") == 1);
  CHECK(IntAttr(d, "resource.kubernetes.io/numaNode") == 1);
  CHECK(IntAttr(d, "dra.cpu/numaNodeID") == 1);
  CHECK(IntAttr(d, "dra.net/numaNode") == 1);
  CHECK(std::get<std::string>(d.attributes.at("dra.cpu/coreType")) == "standard");
  CHECK(std::get<bool>(d.attributes.at("dra.cpu/smtEnabled")) == true);
  CHECK(d.attributes.size() == 9);
  CHECK_FALSE(d.cpu_capacity.has_value());
  CHECK_FALSE(d.allow_multiple_allocations);
}

TEST_CASE("core types, no SMT and no cache information") {
  Topology t = testing::FourCpuNoSmt();
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {}}).value();
  REQUIRE(c.devices().size() == 4);
  CHECK(std::get<std::string>(c.Find("cpudev002")->attributes.at("dra.cpu/coreType")) == "p-core");
  CHECK(std::get<std::string>(c.Find("cpudev003")->attributes.at("dra.cpu/coreType")) == "e-core");
  CHECK(std::get<bool>(c.Find("cpudev000")->attributes.at("dra.cpu/smtEnabled")) == false);
  CHECK(c.Find("cpudev000")->attributes.count("dra.cpu/cacheL3ID") == 0);
}

TEST_CASE("reserved CPUs are never published and a lone sibling keeps its place") {
  Topology t = testing::EightCpuTwoNode();
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {0, 5}}).value();
  std::vector<int> order;
  for (const CpuDevice& d : c.devices()) order.push_back(d.cpus.First());
  CHECK(order == std::vector<int>{1, 2, 6, 3, 7, 4});
  CHECK(c.allocatable() == CpuSet{1, 2, 3, 4, 6, 7});
  CHECK(c.devices().size() == 6);
}

TEST_CASE("reserving every CPU is refused") {
  Topology t = testing::FourCpuNoSmt();
  auto c = DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kMachine, {0, 1, 2, 3}});
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().IsInvalidArgument());
  CHECK(c.status().message().find("cover every online CPU") != std::string::npos);
}

TEST_CASE("individual mode on 1024 CPUs: one device per CPU, four devices fill two cores") {
  Topology t = testing::SyntheticTopology(testing::Shape1024());
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {0, 512}}).value();
  REQUIRE(c.devices().size() == 1022);
  CHECK(c.devices()[999].name == "cpudev999");
  CHECK(c.devices()[1000].name == "cpudev1000");
  CpuSet seen;
  for (size_t i = 0; i < c.devices().size(); ++i) {
    const CpuDevice& d = c.devices()[i];
    CHECK(d.cpus.Size() == 1);
    CHECK_FALSE(seen.Intersects(d.cpus));
    seen |= d.cpus;
    if (i % 2 == 1) {  // every pair is one core
      CHECK(t.CoreSiblings(d.cpus.First()) == (d.cpus | c.devices()[i - 1].cpus));
    }
  }
  CHECK(seen == c.allocatable());
  CHECK_FALSE(seen.Contains(0));
  CHECK_FALSE(seen.Contains(512));
}

TEST_CASE("grouped by NUMA node, socket and machine") {
  Topology t = testing::EightCpuTwoNode();
  SECTION("numanode") {
    DeviceCatalog c =
        DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {0}}).value();
    REQUIRE(c.devices().size() == 2);
    const CpuDevice& n0 = c.devices()[0];
    CHECK(n0.name == "cpudevnuma000");
    CHECK(n0.cpus == CpuSet{1, 4, 5});
    CHECK(n0.cpu_capacity == 3);
    CHECK(n0.allow_multiple_allocations);
    CHECK(IntAttr(n0, "dra.cpu/numCPUs") == 3);
    CHECK(IntAttr(n0, "resource.kubernetes.io/numaNode") == 0);
    CHECK(IntAttr(n0, "dra.cpu/numaNodeID") == 0);
    CHECK(IntAttr(n0, "dra.net/numaNode") == 0);
    CHECK(IntAttr(n0, "dra.cpu/socketID") == 0);
    CHECK(n0.attributes.size() == 6);
    CHECK(c.Find("cpudevnuma001")->cpus == CpuSet{2, 3, 6, 7});
  }
  SECTION("socket") {
    DeviceCatalog c =
        DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kSocket, {}}).value();
    REQUIRE(c.devices().size() == 2);
    CHECK(c.devices()[1].name == "cpudevsocket001");
    CHECK(IntAttr(c.devices()[1], "dra.cpu/socketID") == 1);
    CHECK(c.devices()[1].attributes.count("resource.kubernetes.io/numaNode") == 0);
    CHECK(c.devices()[1].attributes.size() == 3);
  }
  SECTION("machine") {
    DeviceCatalog c =
        DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kMachine, {7}}).value();
    REQUIRE(c.devices().size() == 1);
    CHECK(c.devices()[0].name == "cpudevmachine");
    CHECK(c.devices()[0].cpu_capacity == 7);
    CHECK(c.devices()[0].attributes.count("dra.cpu/socketID") == 0);
  }
  SECTION("a fully reserved group is not published") {
    DeviceCatalog c =
        DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {0, 1, 4, 5}})
            .value();
    REQUIRE(c.devices().size() == 1);
    CHECK(c.devices()[0].name == "cpudevnuma001");
  }
}

TEST_CASE("grouped by NUMA node on 1024 CPUs") {
  Topology t = testing::SyntheticTopology(testing::Shape1024());
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {}}).value();
  REQUIRE(c.devices().size() == 16);
  CHECK(c.devices()[15].name == "cpudevnuma015");
  CHECK(IntAttr(c.devices()[15], "dra.cpu/socketID") == 1);
  for (const CpuDevice& d : c.devices()) CHECK(d.cpu_capacity == 64);
}

TEST_CASE("mode and groupBy spellings") {
  CHECK(ParseCpuDeviceMode("individual").value() == CpuDeviceMode::kIndividual);
  CHECK(ParseCpuDeviceMode("grouped").value() == CpuDeviceMode::kGrouped);
  CHECK_FALSE(ParseCpuDeviceMode("Grouped").ok());
  CHECK(ParseGroupBy("socket").value() == GroupBy::kSocket);
  CHECK(ParseGroupBy("machine").value() == GroupBy::kMachine);
  CHECK(ParseGroupBy("numanode").value() == GroupBy::kNumaNode);
  CHECK_FALSE(ParseGroupBy("numa").ok());
  CHECK(std::string(GroupByName(GroupBy::kSocket)) == "socket");
}

}  // namespace
}  // namespace dracpu
