// Every real machine in ../shared/topologies/ against hwloc's own reading of the same dump.

#include <algorithm>
#include <catch2/catch.hpp>

#include "common/sysfs_topology.h"
#include "common/testing/hwloc_compare.h"
#include "common/testing/topology_fixtures.h"

namespace dracpu {
namespace {

const std::string kTopologies = std::string(DRACPU_SHARED_DIR) + "/topologies";

TEST_CASE("every fixture topology matches hwloc's answer key", "[sysfs_topology][fixtures]") {
  const std::vector<std::string> names = testing::FixtureNames(kTopologies);
  REQUIRE(names.size() >= 8);  // the README lists eight machines; a lost file must not pass
  for (const std::string& name : names) {
    INFO("fixture " << name);
    auto key = testing::LoadHwlocKey(kTopologies, name);
    REQUIRE(key.ok());
    REQUIRE(!key->pus.empty());
    auto fixture = testing::ExtractFixture(kTopologies, name);
    REQUIRE(fixture.ok());
    auto topology = DiscoverTopology(fixture->sys_root);
    INFO(topology.status().ToString());
    REQUIRE(topology.ok());
    std::vector<std::string> errors = testing::CompareWithHwloc(*key, testing::GroupsOf(*topology));
    for (const std::string& e : errors) UNSCOPED_INFO(e);
    CHECK(errors.empty());
  }
}

TEST_CASE("the cgroup dump: hwloc shows the dumper's cpuset, discovery all online CPUs",
          "[sysfs_topology][fixtures]") {
  const std::string name = "32amd64-4s2n4c-cgroup2";
  auto key = testing::LoadHwlocKey(kTopologies, name);
  REQUIRE(key.ok());
  auto fixture = testing::ExtractFixture(kTopologies, name);
  REQUIRE(fixture.ok());
  auto topology = DiscoverTopology(fixture->sys_root);
  REQUIRE(topology.ok());
  // hwloc's allowed cpuset is the dumping process's cgroup, narrower than the machine; the
  // driver must not inherit that restriction.
  CHECK(key->allowed.Size() < key->machine.Size());
  CHECK(topology->online() == key->machine);
  // Objects hwloc kept carry their complete cpusets, which must match ours exactly.
  for (const testing::HwlocObject& p : key->packages) {
    INFO("package " << p.os_index);
    REQUIRE(topology->packages().count(p.os_index) == 1);
    CHECK(topology->packages().at(p.os_index) == p.cpus);
  }
  for (const testing::HwlocObject& n : key->numa_nodes) {
    INFO("node " << n.os_index);
    REQUIRE(topology->numa_nodes().count(n.os_index) == 1);
    CHECK(topology->numa_nodes().at(n.os_index) == n.cpus);
  }
  // Groups hwloc dropped (no CPU in the cgroup) still exist for the driver.
  CHECK(topology->packages().size() > key->packages.size());
  CHECK(topology->numa_nodes().size() > key->numa_nodes.size());
}

TEST_CASE("the hybrid fixture: core types follow cpu_core/cpu_atom", "[sysfs_topology][fixtures]") {
  const std::string name = "20em64t-hybrid-1p6c2t+2ca4co1t";
  auto key = testing::LoadHwlocKey(kTopologies, name);
  REQUIRE(key.ok());
  REQUIRE(key->cpu_kinds.size() == 2);
  auto fixture = testing::ExtractFixture(kTopologies, name);
  REQUIRE(fixture.ok());
  // This dump has no devices/cpu_core or devices/cpu_atom (hwloc ranked its kinds from cpufreq
  // and ACPI CPPC instead): without the PMU folders every CPU is standard.
  auto plain = DiscoverTopology(fixture->sys_root);
  REQUIRE(plain.ok());
  for (const CpuInfo& c : plain->cpus()) CHECK(c.core_type == CoreType::kStandard);

  // With the folders a hybrid kernel has, laid out from hwloc's kinds: the more efficient
  // (higher ranked) kind is the P-cores.
  auto kinds = key->cpu_kinds;
  std::sort(kinds.begin(), kinds.end(),
            [](const auto& a, const auto& b) { return a.efficiency < b.efficiency; });
  const CpuSet ecores = kinds[0].cpus, pcores = kinds[1].cpus;
  REQUIRE(testing::WriteFileForTest(fixture->sys_root + "/devices/cpu_core/cpus",
                                    pcores.ToString() + "\n")
              .ok());
  REQUIRE(testing::WriteFileForTest(fixture->sys_root + "/devices/cpu_atom/cpus",
                                    ecores.ToString() + "\n")
              .ok());
  auto hybrid = DiscoverTopology(fixture->sys_root);
  REQUIRE(hybrid.ok());
  CpuSet found_p, found_e;
  for (const CpuInfo& c : hybrid->cpus()) {
    if (c.core_type == CoreType::kPerformance) found_p.Add(c.id);
    if (c.core_type == CoreType::kEfficiency) found_e.Add(c.id);
  }
  CHECK(found_p == pcores);
  CHECK(found_e == ecores);
  // Asymmetric SMT: every P-core has two threads, every E-core one.
  for (const auto& [index, core] : hybrid->cores()) {
    INFO("core " << core.ToString());
    CHECK(core.Size() == (core.IsSubsetOf(pcores) ? 2 : 1));
  }
}

TEST_CASE("hwloc key parsers read the forms the fixtures use", "[fixtures]") {
  SECTION("lstopo text: nesting, P#, memory children, hidden CPUs, CPU kinds") {
    const std::string text =
        "Machine (P#0 total=1GiB)\n"
        "  Package L#0 (P#3)\n"
        "    NUMANode L#0 (P#1 local=1GiB)\n"
        "    L3Cache L#0 (size=4MiB)\n"
        "      Core L#0 (P#0)\n"
        "        PU L#0 (P#0)\n"
        "        PU L#1 (P#4)\n"
        "      Core L#1 (P#1)\n"
        "        PU L#2 (P#1)\n"
        "depth 0:   1 Machine (type #0)\n"
        "2 processors not represented in topology: 0x0000000c\n"
        "CPU kind #0 efficiency 0 cpuset 0x00000002\n";
    auto key = testing::ParseLstopoConsole(text);
    REQUIRE(key.ok());
    REQUIRE(key->packages.size() == 1);
    CHECK(key->packages[0].os_index == 3);
    CHECK(key->packages[0].cpus == CpuSet({0, 1, 4}));
    REQUIRE(key->numa_nodes.size() == 1);
    CHECK(key->numa_nodes[0].cpus == CpuSet({0, 1, 4}));
    REQUIRE(key->cores.size() == 2);
    CHECK(key->cores[0].cpus == CpuSet({0, 4}));
    CHECK(key->machine == CpuSet({0, 1, 2, 3, 4}));
    CHECK(key->allowed == CpuSet({0, 1, 4}));
    REQUIRE(key->cpu_kinds.size() == 1);
    CHECK(key->cpu_kinds[0].cpus == CpuSet({1}));
  }
  SECTION("hwloc XML: complete_cpuset and allowed_cpuset") {
    const std::string text =
        "<topology><object type=\"Machine\" os_index=\"0\" cpuset=\"0x00000003\" "
        "complete_cpuset=\"0x0000000f\" allowed_cpuset=\"0x00000003\">"
        "<object type=\"Package\" os_index=\"0\" cpuset=\"0x3\" complete_cpuset=\"0xf\">"
        "<object type=\"PU\" os_index=\"1\" cpuset=\"0x00000002\"/>"
        "</object></object><cpukind cpuset=\"0x0000000f\" forced_efficiency=\"7\"></cpukind>"
        "</topology>";
    auto key = testing::ParseHwlocXml(text);
    REQUIRE(key.ok());
    CHECK(key->machine == CpuSet::Range(0, 3));
    CHECK(key->allowed == CpuSet({0, 1}));
    REQUIRE(key->packages.size() == 1);
    CHECK(key->packages[0].cpus == CpuSet::Range(0, 3));
    REQUIRE(key->pus.size() == 1);
    CHECK(key->pus[0].os_index == 1);
    REQUIRE(key->cpu_kinds.size() == 1);
    CHECK(key->cpu_kinds[0].efficiency == 7);
  }
  SECTION("multi-word hwloc bitmaps, bad ones refused") {
    auto set = testing::ParseHwlocBitmap("0x00000001,0x00000001");
    REQUIRE(set.ok());
    CHECK(*set == CpuSet({0, 32}));
    CHECK(!testing::ParseHwlocBitmap("0xf...f").ok());
  }
}

}  // namespace
}  // namespace dracpu
