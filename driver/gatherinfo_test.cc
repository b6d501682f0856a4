// Runs the real dracpu-driver binary on every fixture and checks its JSON against hwloc.

#include "driver/gatherinfo.h"

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <set>

#include "common/testing/hwloc_compare.h"
#include "common/testing/temp_dir.h"
#include "common/testing/topology_fixtures.h"

namespace dracpu {
namespace {

const std::string kTopologies = std::string(DRACPU_SHARED_DIR) + "/topologies";
const std::string kBinary = std::string(DRACPU_BINARY_DIR) + "/driver/dracpu-driver";

struct Run {
  int exit_code = -1;
  std::string output;
};

// `args` are passed through the shell; tests only use temp paths without spaces.
Run RunDriver(const std::string& args, bool merge_stderr) {
  std::string cmd = kBinary + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  Run run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) run.output.append(buf, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

int Int(const web::json::value& v, const char* key) { return v.at(key).as_integer(); }

// Rebuilds the groups from the per-CPU records, the way a reader of the JSON would.
testing::DiscoveredGroups GroupsFromJson(const web::json::value& doc) {
  testing::DiscoveredGroups g;
  std::map<int, CpuSet> l3, cores;
  for (const web::json::value& cpu : doc.at("cpus").as_array()) {
    int id = Int(cpu, "id");
    g.all.Add(id);
    if (!cpu.at("online").as_bool()) continue;
    g.online.Add(id);
    g.packages[Int(cpu, "package")].Add(id);
    g.numa_nodes[Int(cpu, "numaNode")].Add(id);
    if (Int(cpu, "l3") >= 0) l3[Int(cpu, "l3")].Add(id);
    cores[Int(cpu, "core")].Add(id);
  }
  for (const auto& [i, s] : l3) g.l3_groups.push_back(s);
  for (const auto& [i, s] : cores) g.cores.push_back(s);
  g.smt_enabled = doc.at("summary").at("smtEnabled").as_bool();
  return g;
}

TEST_CASE("gatherinfo JSON matches hwloc on every fixture", "[gatherinfo]") {
  const std::vector<std::string> names = testing::FixtureNames(kTopologies);
  REQUIRE(names.size() >= 8);
  for (const std::string& name : names) {
    INFO("fixture " << name);
    auto key = testing::LoadHwlocKey(kTopologies, name);
    REQUIRE(key.ok());
    auto fixture = testing::ExtractFixture(kTopologies, name);
    REQUIRE(fixture.ok());
    Run run = RunDriver("gatherinfo --sysfs-root " + fixture->sys_root, false);
    REQUIRE(run.exit_code == 0);
    std::error_code ec;
    web::json::value doc = web::json::value::parse(run.output, ec);
    REQUIRE(!ec);
    testing::DiscoveredGroups groups = GroupsFromJson(doc);
    std::vector<std::string> errors = testing::CompareWithHwloc(*key, groups);
    for (const std::string& e : errors) UNSCOPED_INFO(e);
    CHECK(errors.empty());

    // The summary agrees with the per-CPU records.
    const web::json::value& summary = doc.at("summary");
    CHECK(Int(summary, "cpus") == groups.online.Size());
    CHECK(Int(summary, "cores") == static_cast<int>(groups.cores.size()));
    CHECK(Int(summary, "packages") == static_cast<int>(groups.packages.size()));
    CHECK(Int(summary, "numaNodes") == static_cast<int>(groups.numa_nodes.size()));
    CHECK(Int(summary, "l3Groups") == static_cast<int>(groups.l3_groups.size()));
    // siblings is the cpulist of the CPU's core; offline CPUs have none.
    std::map<int, CpuSet> core_of;
    for (const CpuSet& c : groups.cores) {
      for (int id : c) core_of[id] = c;
    }
    for (const web::json::value& cpu : doc.at("cpus").as_array()) {
      int id = Int(cpu, "id");
      bool online = cpu.at("online").as_bool();
      INFO("cpu " << id);
      CHECK(cpu.at("siblings").as_string() == (online ? core_of[id].ToString() : ""));
      std::string type = cpu.at("coreType").as_string();
      CHECK((type == "standard" || type == "p-core" || type == "e-core"));
      if (!online) CHECK(Int(cpu, "core") == -1);
    }
  }
}

TEST_CASE("gatherinfo argument and input errors", "[gatherinfo]") {
  CHECK(RunDriver("", true).exit_code == 2);
  CHECK(RunDriver("serve", true).exit_code == 2);
  Run bad = RunDriver("gatherinfo --bogus", true);
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--bogus") != std::string::npos);
  CHECK(RunDriver("gatherinfo --sysfs-root", true).exit_code == 2);

  testing::TempDir empty("dracpu-gatherinfo");
  Run missing = RunDriver("gatherinfo --sysfs-root=" + empty.path(), true);
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find(empty.path() + "/devices/system/cpu") != std::string::npos);
}

TEST_CASE("gatherinfo JSON shape for a known topology", "[gatherinfo]") {
  // Two cores of two threads, no L3: l3Groups must be 0 and l3 -1.
  std::vector<CpuInfo> cpus(4);
  for (int i = 0; i < 4; ++i) {
    cpus[i].id = i;
    cpus[i].core_cpus = i % 2 == 0 ? CpuSet{0, 2} : CpuSet{1, 3};
  }
  cpus[3].online = false;
  auto topology = Topology::Build(cpus);
  REQUIRE(topology.ok());
  web::json::value doc = driver::GatherInfoJson(*topology);
  const web::json::value& s = doc.at("summary");
  CHECK(Int(s, "cpus") == 3);
  CHECK(Int(s, "cores") == 2);
  CHECK(Int(s, "packages") == 1);
  CHECK(Int(s, "numaNodes") == 1);
  CHECK(Int(s, "l3Groups") == 0);
  CHECK(s.at("smtEnabled").as_bool());
  const auto& list = doc.at("cpus").as_array();
  REQUIRE(list.size() == 4);
  CHECK(list.at(0).at("siblings").as_string() == "0,2");
  CHECK(list.at(1).at("siblings").as_string() == "1");
  CHECK(Int(list.at(0), "l3") == -1);
  CHECK(list.at(3).at("online").as_bool() == false);
  std::set<std::string> keys;
  for (const auto& [k, v] : list.at(0).as_object()) keys.insert(k);
  CHECK(keys == std::set<std::string>{"id", "online", "core", "package", "die", "numaNode", "l3",
                                      "coreType", "siblings"});
}

}  // namespace
}  // namespace dracpu
