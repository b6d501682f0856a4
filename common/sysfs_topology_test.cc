// Targeted tests of each lesson from ../shared/topologies/README.md on small hand-made trees.

#include "common/sysfs_topology.h"

#include <catch2/catch.hpp>

#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

// A sysfs tree written file by file.
class Tree {
 public:
  const std::string& root() const { return dir_.path(); }
  void Write(const std::string& rel, const std::string& content) {
    REQUIRE(testing::WriteFileForTest(dir_.path() + "/" + rel, content).ok());
  }
  void Cpu(int id, const std::string& rel, const std::string& content) {
    Write("devices/system/cpu/cpu" + std::to_string(id) + "/" + rel, content);
  }
  // The files a modern kernel gives an online CPU, one thread per core, one package.
  void ModernCpu(int id, const std::string& siblings = "") {
    Cpu(id, "topology/physical_package_id", "0\n");
    Cpu(id, "topology/core_id", std::to_string(id) + "\n");
    Cpu(id, "topology/core_cpus_list", (siblings.empty() ? std::to_string(id) : siblings) + "\n");
  }
  StatusOr<Topology> Discover() const { return DiscoverTopology(root()); }

 private:
  testing::TempDir dir_{"dracpu-sysfs"};
};

std::vector<CpuSet> Groups(const std::map<int, CpuSet>& m) {
  std::vector<CpuSet> v;
  for (const auto& [i, s] : m) v.push_back(s);
  return v;
}

TEST_CASE("without cpu/online, each cpuN/online decides and absent means online", "[lessons]") {
  Tree t;
  for (int i = 0; i < 4; ++i) t.ModernCpu(i);
  t.Cpu(1, "online", "1\n");
  t.Cpu(2, "online", "0\n");
  t.Cpu(3, "online", std::string("1\0", 2));
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(topo->online() == CpuSet({0, 1, 3}));
  REQUIRE(topo->cpus().size() == 4);
  CHECK(!topo->cpu(2)->online);
  CHECK(topo->cpu(2)->core == -1);
}

TEST_CASE("the global cpu/online wins over per-CPU files", "[lessons]") {
  Tree t;
  for (int i = 0; i < 3; ++i) t.ModernCpu(i);
  t.Write("devices/system/cpu/online", "0,2\n");
  t.Cpu(1, "online", "1\n");
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(topo->online() == CpuSet({0, 2}));
}

TEST_CASE("offline CPUs without topology files are listed, never grouped", "[lessons]") {
  Tree t;
  t.Write("devices/system/cpu/online", "0-1\n");
  t.ModernCpu(0, "0,2");
  t.ModernCpu(1);
  t.Cpu(2, "online", "0\n");  // a real kernel leaves nothing else for an offline CPU
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  const CpuInfo* off = topo->cpu(2);
  REQUIRE(off != nullptr);
  CHECK(!off->online);
  CHECK(off->package == -1);
  CHECK(topo->CoreSiblings(0) == CpuSet({0}));  // the offline sibling is not in the core
  CHECK(!topo->smt_enabled());
}

TEST_CASE("mask-only files: thread_siblings, shared_cpu_map, nodeN/cpumap", "[lessons]") {
  Tree t;
  for (int i = 0; i < 4; ++i) {
    t.Cpu(i, "topology/physical_package_id", "0\n");
    t.Cpu(i, "topology/core_id", std::to_string(i % 2) + "\n");
    t.Cpu(i, "topology/thread_siblings", i % 2 == 0 ? "00000005\n" : "0000000a\n");
    t.Cpu(i, "cache/index0/level", "1\n");
    t.Cpu(i, "cache/index0/shared_cpu_map", i % 2 == 0 ? "00000005\n" : "0000000a\n");
    t.Cpu(i, "cache/index1/level", "3\n");
    t.Cpu(i, "cache/index1/shared_cpu_map", "00000000,0000000f\n");
  }
  t.Write("devices/system/node/node0/cpumap", "00000003\n");
  t.Write("devices/system/node/node1/cpumap", "0000000c\n");
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(Groups(topo->cores()) == std::vector<CpuSet>{CpuSet{0, 2}, CpuSet{1, 3}});
  CHECK(Groups(topo->l3_groups()) == std::vector<CpuSet>{CpuSet{0, 1, 2, 3}});
  CHECK(topo->numa_nodes().at(0) == CpuSet({0, 1}));
  CHECK(topo->numa_nodes().at(1) == CpuSet({2, 3}));
  CHECK(topo->smt_enabled());
}

TEST_CASE("NUMA from nodeN/cpuM links and from cpuN/nodeM links", "[lessons]") {
  Tree t;
  for (int i = 0; i < 4; ++i) t.ModernCpu(i);
  t.Write("devices/system/node/node0/cpu0/online", "1\n");  // node0 lists only link entries
  t.Write("devices/system/node/node0/cpu1/online", "1\n");
  t.Write("devices/system/node/node1/meminfo", "");  // node1 lists nothing...
  t.Cpu(2, "node1/meminfo", "");                     // ...but cpu2 and cpu3 link to it
  t.Cpu(3, "node1/meminfo", "");
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(topo->numa_nodes().at(0) == CpuSet({0, 1}));
  CHECK(topo->numa_nodes().at(1) == CpuSet({2, 3}));
}

TEST_CASE("no node folder: one NUMA node, 0", "[lessons]") {
  Tree t;
  for (int i = 0; i < 3; ++i) t.ModernCpu(i);
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  REQUIRE(topo->numa_nodes().size() == 1);
  CHECK(topo->numa_nodes().at(0) == CpuSet({0, 1, 2}));
}

TEST_CASE("NUL bytes and extra newlines at the end of files are trimmed", "[lessons]") {
  Tree t;
  for (int i = 0; i < 2; ++i) {
    t.Cpu(i, "topology/physical_package_id", std::string("1\0", 2));
    t.Cpu(i, "topology/thread_siblings_list", std::string("0-1\n\n\0", 6));
    t.Cpu(i, "cache/index3/level", "3\n\n");
    t.Cpu(i, "cache/index3/shared_cpu_list", std::string("0-1\0", 4));
  }
  t.Write("devices/system/node/node0/cpulist", std::string("0-1\n\0", 5));
  auto topo = t.Discover();
  INFO(topo.status().ToString());
  REQUIRE(topo.ok());
  CHECK(topo->packages().at(1) == CpuSet({0, 1}));
  CHECK(topo->CoreSiblings(0) == CpuSet({0, 1}));
  CHECK(topo->l3_groups().size() == 1);
}

TEST_CASE("cache level comes from indexN/level, and the LLC falls back", "[lessons]") {
  SECTION("L3 in index2") {
    Tree t;
    for (int i = 0; i < 4; ++i) {
      t.ModernCpu(i);
      t.Cpu(i, "cache/index0/level", "1\n");
      t.Cpu(i, "cache/index0/shared_cpu_list", std::to_string(i) + "\n");
      t.Cpu(i, "cache/index1/level", "2\n");
      t.Cpu(i, "cache/index1/shared_cpu_list", std::to_string(i) + "\n");
      t.Cpu(i, "cache/index2/level", "3\n");
      t.Cpu(i, "cache/index2/shared_cpu_list", i < 2 ? "0-1\n" : "2-3\n");
    }
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(Groups(topo->l3_groups()) == std::vector<CpuSet>{CpuSet{0, 1}, CpuSet{2, 3}});
    CHECK(topo->llc_groups() == topo->l3_groups());
  }
  SECTION("no L3: no L3 groups, LLC is the highest level, instruction caches ignored") {
    Tree t;
    for (int i = 0; i < 4; ++i) {
      t.ModernCpu(i);
      t.Cpu(i, "cache/index0/level", "1\n");
      t.Cpu(i, "cache/index0/type", "Data\n");
      t.Cpu(i, "cache/index0/shared_cpu_list", std::to_string(i) + "\n");
      t.Cpu(i, "cache/index1/level", "2\n");
      t.Cpu(i, "cache/index1/type", "Unified\n");
      t.Cpu(i, "cache/index1/shared_cpu_list", i < 2 ? "0-1\n" : "2-3\n");
    }
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->l3_groups().empty());
    CHECK(topo->cpu(0)->l3 == -1);
    CHECK(Groups(topo->llc_groups()) == std::vector<CpuSet>{CpuSet{0, 1}, CpuSet{2, 3}});
  }
  SECTION("only an instruction cache at the top level does not make the LLC") {
    Tree t;
    t.ModernCpu(0);
    t.ModernCpu(1);
    for (int i = 0; i < 2; ++i) {
      t.Cpu(i, "cache/index0/level", "2\n");
      t.Cpu(i, "cache/index0/type", "Instruction\n");
      t.Cpu(i, "cache/index0/shared_cpu_list", "0-1\n");
      t.Cpu(i, "cache/index1/level", "1\n");
      t.Cpu(i, "cache/index1/type", "Data\n");
      t.Cpu(i, "cache/index1/shared_cpu_list", std::to_string(i) + "\n");
    }
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->llc_groups().size() == 2);
  }
  SECTION("no cache folder at all") {
    Tree t;
    t.ModernCpu(0);
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->l3_groups().empty());
    CHECK(topo->llc_groups().empty());
  }
}

TEST_CASE("hybrid core types from devices/cpu_core and cpu_atom", "[lessons]") {
  Tree t;
  t.ModernCpu(0, "0-1");
  t.ModernCpu(1, "0-1");
  t.ModernCpu(2);
  t.ModernCpu(3);
  t.Write("devices/cpu_core/cpus", "0-1\n");
  t.Write("devices/cpu_atom/cpus", "2-3\n");
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(topo->cpu(0)->core_type == CoreType::kPerformance);
  CHECK(topo->cpu(1)->core_type == CoreType::kPerformance);
  CHECK(topo->cpu(2)->core_type == CoreType::kEfficiency);
  CHECK(topo->cpu(3)->core_type == CoreType::kEfficiency);

  Tree plain;
  plain.ModernCpu(0);
  auto standard = plain.Discover();
  REQUIRE(standard.ok());
  CHECK(standard->cpu(0)->core_type == CoreType::kStandard);
}

TEST_CASE("isolated CPUs come from cpu/isolated", "[lessons]") {
  Tree t;
  for (int i = 0; i < 3; ++i) t.ModernCpu(i);
  t.Write("devices/system/cpu/isolated", "1-2\n");
  auto topo = t.Discover();
  REQUIRE(topo.ok());
  CHECK(topo->isolated() == CpuSet({1, 2}));
}

TEST_CASE("package, die and core ids: core_id repeats, compute units split", "[lessons]") {
  SECTION("SMT siblings share a core_id: one core") {
    Tree t;
    t.ModernCpu(0, "0-1");
    t.ModernCpu(1, "0-1");
    t.Cpu(1, "topology/core_id", "0\n");
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->cores().size() == 1);
  }
  SECTION("siblings with different core_id (AMD compute unit): two cores") {
    Tree t;
    t.ModernCpu(0, "0-1");
    t.ModernCpu(1, "0-1");
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->cores().size() == 2);
    CHECK(!topo->smt_enabled());
  }
  SECTION("the same core_id in two packages are two cores, die_id is read") {
    Tree t;
    t.ModernCpu(0);
    t.ModernCpu(1);
    t.Cpu(1, "topology/core_id", "0\n");
    t.Cpu(1, "topology/physical_package_id", "1\n");
    t.Cpu(1, "topology/die_id", "3\n");
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->cores().size() == 2);
    CHECK(topo->packages().size() == 2);
    CHECK(topo->cpu(1)->die == 3);
    CHECK(topo->cpu(0)->die == 0);
  }
}

TEST_CASE("missing required files are errors naming the path", "[lessons]") {
  SECTION("no cpu folder") {
    Tree t;
    auto topo = t.Discover();
    CHECK(topo.status().IsNotFound());
    CHECK(topo.status().message().find(t.root() + "/devices/system/cpu") != std::string::npos);
  }
  SECTION("no cpuN folder") {
    Tree t;
    t.Write("devices/system/cpu/online", "0\n");
    CHECK(t.Discover().status().IsNotFound());
  }
  SECTION("no physical_package_id for an online CPU") {
    Tree t;
    t.ModernCpu(0);
    t.Cpu(1, "topology/core_cpus_list", "1\n");
    auto topo = t.Discover();
    CHECK(topo.status().IsNotFound());
    CHECK(topo.status().message().find("cpu1/topology/physical_package_id") != std::string::npos);
  }
  SECTION("no core siblings in any form") {
    Tree t;
    t.Cpu(0, "topology/physical_package_id", "0\n");
    auto topo = t.Discover();
    CHECK(topo.status().IsNotFound());
    CHECK(topo.status().message().find("cpu0/topology/") != std::string::npos);
  }
}

TEST_CASE("odd input: malformed files are errors, strange entries are ignored", "[lessons]") {
  SECTION("a malformed siblings list") {
    Tree t;
    t.ModernCpu(0);
    t.Cpu(0, "topology/core_cpus_list", "0-x\n");
    auto topo = t.Discover();
    CHECK(topo.status().IsInvalidArgument());
    CHECK(topo.status().message().find("core_cpus_list") != std::string::npos);
  }
  SECTION("malformed online, node and cache files") {
    for (const char* rel : {"devices/system/cpu/online", "devices/system/node/node0/cpulist",
                            "devices/system/cpu/cpu0/cache/index0/level",
                            "devices/system/cpu/cpu0/online", "devices/cpu_core/cpus"}) {
      INFO(rel);
      Tree t;
      t.ModernCpu(0);
      t.Write(rel, "garbage\n");
      auto topo = t.Discover();
      CHECK(topo.status().IsInvalidArgument());
      CHECK(topo.status().message().find(rel) != std::string::npos);
    }
  }
  SECTION("ids out of range and negative package ids") {
    Tree t;
    t.ModernCpu(0);
    t.Cpu(0, "topology/physical_package_id", "-1\n");
    t.Write("devices/system/cpu/cpu99999/topology/physical_package_id", "0\n");
    t.Write("devices/system/cpu/cpufreq/policy0/x", "");
    t.Write("devices/system/node/nodeX/cpulist", "0\n");
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(topo->cpus().size() == 1);
    CHECK(topo->cpu(0)->package == 0);
  }
  SECTION("every CPU offline") {
    Tree t;
    t.ModernCpu(0);
    t.Write("devices/system/cpu/online", "\n");
    CHECK(t.Discover().status().IsInvalidArgument());
  }
  SECTION("an empty shared_cpu_map (ia64) means private to the core") {
    Tree t;
    t.ModernCpu(0, "0-1");
    t.ModernCpu(1, "0-1");
    t.Cpu(1, "topology/core_id", "0\n");
    for (int i = 0; i < 2; ++i) {
      t.Cpu(i, "cache/index3/level", "3\n");
      t.Cpu(i, "cache/index3/shared_cpu_map", "00000000\n");
    }
    auto topo = t.Discover();
    REQUIRE(topo.ok());
    CHECK(Groups(topo->l3_groups()) == std::vector<CpuSet>{CpuSet{0, 1}});
  }
}

}  // namespace
}  // namespace dracpu
