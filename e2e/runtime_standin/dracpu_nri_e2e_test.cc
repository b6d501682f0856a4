// The real dracpu-nri binary against the runtime stand-in: claims written as the driver writes
// them (state file + CDI spec), containers created with the CDI env applied as a runtime does.
// Pinning, refusals, shared pool shrink and grow, plugin and runtime restarts, 500 containers,
// both NRI versions, and the kernel's view through real cgroups where the machine allows.

#include <stdio.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/cpuset.h"
#include "common/testing/temp_dir.h"
#include "e2e/runtime_standin/nri_node_rig.h"

namespace dracpu::standin {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

std::string Uid(int n) {
  char buf[40];
  snprintf(buf, sizeof(buf), "c1a1%04x-0000-4000-8000-%012x", n, n);
  return buf;
}

struct Rig {
  explicit Rig(RuntimeProfile profile = ProfileNri012(), std::string online = "0-15",
               std::string reserved = "0", std::string cgroup_root = "",
               size_t sync_page_bytes = 4u << 20) {
    NodeRigOptions o;
    o.dir = dir.path();
    o.plugin_binary = std::string(DRACPU_BINARY_DIR) + "/nri-plugin/dracpu-nri";
    o.online_cpus = online;
    o.reserved_cpus = reserved;
    o.runtime.profile = profile;
    o.runtime.cgroup_root = cgroup_root;
    o.runtime.sync_page_bytes = sync_page_bytes;
    StatusOr<std::unique_ptr<NriNodeRig>> r = NriNodeRig::Start(o);
    if (!r.ok()) {
      start_error = r.status();
      return;
    }
    node = std::move(*r);
    rt = &node->runtime();
  }
  // DRACPU_SHOW_PLUGIN_LOG=1 prints the plugin's log when a test is over (for debugging).
  ~Rig() {
    if (node && getenv("DRACPU_SHOW_PLUGIN_LOG")) {
      node.reset();
      std::ifstream log(dir.Sub("dracpu-nri.log"));
      std::cerr << log.rdbuf();
    }
  }
  std::string Pod(const std::string& name) {
    PodSpec spec;
    spec.name = name;
    spec.uid = "pod-uid-" + name;
    StatusOr<std::string> id = rt->RunPod(spec);
    REQUIRE(id.ok());
    return *id;
  }
  std::string Create(const std::string& pod, const std::string& name,
                     const std::vector<std::string>& env = {},
                     const std::vector<std::string>& cdi = {}) {
    StatusOr<std::string> id = rt->CreateContainer(pod, name, env, cdi);
    INFO(name << ": " << id.status().ToString());
    REQUIRE(id.ok());
    REQUIRE(rt->StartContainer(*id).ok());
    return *id;
  }
  std::string Cpus(const std::string& id) {
    StatusOr<ContainerView> v = rt->GetContainer(id);
    return v.ok() ? v->cpus : v.status().ToString();
  }
  // The plugin's unsolicited pushes (computed when the state file changed) reach the runtime
  // only after the event in progress, as the runtime applies them under its lock; checks of
  // containers such a push moves wait for it, bounded. The strict property (the claim
  // container's answer repeats unacknowledged moves) is checked apart, in a case below.
  std::string EventuallyCpus(const std::string& id, const std::string& want) {
    rt->WaitUntil([&] { return Cpus(id) == want; }, 3s);
    return Cpus(id);
  }

  TempDir dir;
  Status start_error;
  std::unique_ptr<NriNodeRig> node;
  RuntimeStandin* rt = nullptr;
};

TEST_CASE("a claim container is pinned and shared containers shrink in the same response") {
  for (RuntimeProfile profile : {ProfileNri012(), ProfileNri06()}) {
    INFO("NRI " << (profile.nri_version.empty() ? "v0.6" : profile.nri_version));
    Rig rig(profile);
    REQUIRE(rig.node);
    REQUIRE(rig.node->StartPlugin().ok());
    std::string web = rig.Pod("web");
    std::string shared = rig.Create(web, "app");
    CHECK(rig.Cpus(shared) == "1-15");

    std::string job = rig.Pod("job");
    StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(1), "4-5", {"pod-uid-job"});
    REQUIRE(dev.ok());
    std::string pinned = rig.Create(job, "worker", {"A=1"}, {*dev});
    CHECK(rig.Cpus(pinned) == "4-5");
    CHECK(rig.EventuallyCpus(shared, "1-3,6-15") == "1-3,6-15");
    // Infra-like containers of the claim's pod without the variable stay shared.
    std::string sidecar = rig.Create(job, "sidecar");
    CHECK(rig.Cpus(sidecar) == "1-3,6-15");
    CHECK(rig.rt->HookLatency("CreateContainer").count == 3);
  }
}

TEST_CASE("forged, malformed and mismatched env is refused, nothing is created") {
  Rig rig;
  REQUIRE(rig.node);
  REQUIRE(rig.node->StartPlugin().ok());
  std::string p = rig.Pod("p");
  std::string q = rig.Pod("q");
  StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(2), "6-7", {"pod-uid-p"});
  REQUIRE(dev.ok());
  const std::string var = "DRA_CPUSET_" + Uid(2);
  struct Case {
    const char* what;
    std::string pod;
    std::vector<std::string> env, cdi;
  } cases[] = {
      {"forged: a claim nobody prepared", p, {"DRA_CPUSET_" + Uid(99) + "=6-7"}, {}},
      {"malformed cpuset", p, {var + "=six-seven"}, {}},
      {"malformed empty value", p, {var + "="}, {}},
      {"mismatched cpuset", p, {var + "=6-9"}, {}},
      {"claim of another pod", q, {}, {*dev}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    StatusOr<std::string> id = rig.rt->CreateContainer(c.pod, "evil", c.env, c.cdi);
    CHECK_FALSE(id.ok());
    CHECK(id.status().message().find("plugin failed CreateContainer") != std::string::npos);
  }
  CHECK(rig.rt->Containers().empty());
  // The real holder is pinned; a second container naming the same claim is refused.
  std::string holder = rig.Create(p, "holder", {}, {*dev});
  CHECK(rig.Cpus(holder) == "6-7");
  CHECK_FALSE(rig.rt->CreateContainer(p, "second", {}, {*dev}).ok());
  CHECK(rig.rt->Containers().size() == 1);
}

TEST_CASE("unprepare gives the CPUs back: shared containers grow without another event") {
  Rig rig;
  REQUIRE(rig.node);
  REQUIRE(rig.node->StartPlugin().ok());
  std::string web = rig.Pod("web");
  std::string shared = rig.Create(web, "app");
  std::string job = rig.Pod("job");
  StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(3), "8-11", {"pod-uid-job"});
  REQUIRE(dev.ok());
  std::string pinned = rig.Create(job, "worker", {}, {*dev});
  CHECK(rig.EventuallyCpus(shared, "1-7,12-15") == "1-7,12-15");
  REQUIRE(rig.rt->RemovePod(job).ok());
  // Prepared CPUs stay exclusive while the claim lives, with or without its container.
  std::this_thread::sleep_for(300ms);
  CHECK(rig.Cpus(shared) == "1-7,12-15");
  auto start = std::chrono::steady_clock::now();
  REQUIRE(rig.node->UnprepareClaim(Uid(3)).ok());
  CHECK(rig.rt->WaitUntil([&] { return rig.Cpus(shared) == "1-15"; }, 5s));
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  start);
  WARN("shared pool grew back " << us.count() << " us after the unprepare began");
  CHECK(rig.rt->unsolicited_updates() >= 1);
}

TEST_CASE("plugin restart with live containers: every container ends on the right CPUs") {
  Rig rig;
  REQUIRE(rig.node);
  REQUIRE(rig.node->StartPlugin().ok());
  std::string pod = rig.Pod("a");
  StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(4), "2-3", {"pod-uid-a"});
  REQUIRE(dev.ok());
  std::string pinned = rig.Create(pod, "worker", {}, {*dev});
  std::string shared = rig.Create(pod, "sidecar");

  rig.node->KillPlugin();
  REQUIRE(rig.rt->WaitUntil([&] { return !rig.rt->plugin_connected(); }, 5s));
  // While the plugin is away: a container starts unconfined, another claim is prepared and its
  // container starts without being pinned.
  std::string newcomer = rig.Create(pod, "newcomer");
  CHECK(rig.Cpus(newcomer) == "");
  std::string b = rig.Pod("b");
  StatusOr<std::string> dev2 = rig.node->PrepareClaim(Uid(5), "12-13", {"pod-uid-b"});
  REQUIRE(dev2.ok());
  std::string late = rig.Create(b, "late", {}, {*dev2});
  CHECK(rig.Cpus(late) == "");

  REQUIRE(rig.node->StartPlugin().ok());  // Synchronize restores everything
  CHECK(rig.Cpus(pinned) == "2-3");
  CHECK(rig.Cpus(late) == "12-13");
  CHECK(rig.Cpus(shared) == "1,4-11,14-15");
  CHECK(rig.Cpus(newcomer) == "1,4-11,14-15");
  // Its table was rebuilt from env: the old claim is still held by its container.
  CHECK_FALSE(rig.rt->CreateContainer(pod, "thief", {}, {*dev}).ok());
}

TEST_CASE("a paged Synchronize restores containers created while the plugin was away") {
  Rig rig(ProfileNri012(), "0-15", "0", "", 1024);
  REQUIRE(rig.node);
  std::string pod = rig.Pod("a");
  StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(9), "14-15", {"pod-uid-a"});
  REQUIRE(dev.ok());
  // No plugin yet: containers start unconfined, the claim container unpinned.
  std::string pinned = rig.Create(pod, "worker", {}, {*dev});
  std::vector<std::string> shared;
  for (int i = 0; i < 150; ++i) shared.push_back(rig.Create(pod, "s" + std::to_string(i)));
  REQUIRE(rig.node->StartPlugin().ok());
  CHECK(rig.rt->HookLatency("Synchronize").count >= 3);  // pages
  CHECK(rig.Cpus(pinned) == "14-15");
  int wrong = 0;
  for (const std::string& id : shared) wrong += rig.Cpus(id) != "1-13";
  CHECK(wrong == 0);
}

TEST_CASE("runtime restart: the plugin reconnects, resynchronizes and keeps serving") {
  for (RuntimeProfile profile : {ProfileNri012(), ProfileNri06()}) {
    Rig rig(profile);
    REQUIRE(rig.node);
    REQUIRE(rig.node->StartPlugin().ok());
    std::string pod = rig.Pod("a");
    StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(6), "2-5", {"pod-uid-a"});
    REQUIRE(dev.ok());
    std::string pinned = rig.Create(pod, "worker", {}, {*dev});
    std::string shared = rig.Create(pod, "sidecar");
    REQUIRE(rig.rt->Restart().ok());
    REQUIRE(rig.rt->WaitForPlugin(15s, 2).ok());
    CHECK(rig.Cpus(pinned) == "2-5");
    CHECK(rig.Cpus(shared) == "1,6-15");
    std::string b = rig.Pod("b");
    StatusOr<std::string> dev2 = rig.node->PrepareClaim(Uid(7), "6-7", {"pod-uid-b"});
    REQUIRE(dev2.ok());
    std::string second = rig.Create(b, "worker", {}, {*dev2});
    CHECK(rig.Cpus(second) == "6-7");
    CHECK(rig.EventuallyCpus(shared, "1,8-15") == "1,8-15");
  }
}

TEST_CASE("500 containers: 50 pinned, 450 shared, right after creation and after a restart") {
  Rig rig(ProfileNri012(), "0-255", "0-1");
  REQUIRE(rig.node);
  REQUIRE(rig.node->StartPlugin().ok());
  std::map<std::string, std::string> want;  // container -> cpus
  std::vector<std::string> shared;
  CpuSet exclusive;
  for (int i = 0; i < 50; ++i) {
    std::string name = "p" + std::to_string(i);
    std::string pod = rig.Pod(name);
    CpuSet cpus = CpuSet::Range(2 + 2 * i, 3 + 2 * i);
    exclusive = exclusive | cpus;
    StatusOr<std::string> dev =
        rig.node->PrepareClaim(Uid(100 + i), cpus.ToString(), {"pod-uid-" + name});
    REQUIRE(dev.ok());
    want[rig.Create(pod, "worker", {}, {*dev})] = cpus.ToString();
    for (int j = 0; j < 9; ++j) shared.push_back(rig.Create(pod, "side" + std::to_string(j)));
  }
  const std::string pool = (CpuSet::Range(2, 255) - exclusive).ToString();
  for (const std::string& id : shared) want[id] = pool;
  REQUIRE(want.size() == 500);
  auto check_all = [&] {
    int wrong = 0;
    for (const auto& [id, cpus] : want) wrong += rig.Cpus(id) != cpus;
    return wrong;
  };
  CHECK(rig.rt->WaitUntil([&] { return check_all() == 0; }, 5s));
  rig.node->KillPlugin();
  REQUIRE(rig.node->StartPlugin().ok());
  CHECK(check_all() == 0);
  LatencySummary sync = rig.rt->HookLatency("Synchronize");
  WARN("Synchronize of 500 containers: " << sync.max_us << " us (last of " << sync.count << ")");
}

// design.md §4: overlapping shared containers are shrunk in the same CreateContainer response,
// so no shared container runs on a claim's CPUs once its container exists. The race this
// guards: when the claim is prepared, the plugin pushes the shrink with UpdateContainers at once;
// a runtime applies that push under its lock, i.e. only after the CreateContainer in progress,
// so the plugin's answer must repeat every move the runtime has not acknowledged yet.
TEST_CASE("a claim container never starts while shared containers hold its CPUs", "[nri]") {
  Rig rig;
  REQUIRE(rig.node);
  REQUIRE(rig.node->StartPlugin().ok());
  std::string web = rig.Pod("web");
  std::vector<std::string> shared;
  for (int i = 0; i < 20; ++i) shared.push_back(rig.Create(web, "app" + std::to_string(i)));
  int overlapping = 0;
  for (int i = 0; i < 10; ++i) {
    std::string name = "job" + std::to_string(i);
    std::string job = rig.Pod(name);
    std::string cpus = std::to_string(2 + i);
    StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(200 + i), cpus, {"pod-uid-" + name});
    REQUIRE(dev.ok());
    rig.Create(job, "worker", {}, {*dev});
    for (const std::string& id : shared) {
      StatusOr<CpuSet> got = CpuSet::Parse(rig.Cpus(id));
      overlapping += got.ok() && got->Contains(2 + i);
    }
  }
  CHECK(overlapping == 0);
}

TEST_CASE("real cgroups: the kernel's affinity follows the plugin's decisions") {
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 2) {
    WARN("SKIPPED: needs 2 online CPUs, this machine has " << ncpu);
    return;
  }
  std::string last = std::to_string(ncpu - 1);
  Rig rig(ProfileNri012(), "0-" + last, "", "/sys/fs/cgroup/cpuset");
  if (!rig.node) {
    WARN("SKIPPED: no writable cgroup v1 cpuset hierarchy: " << rig.start_error.ToString());
    return;
  }
  REQUIRE(rig.rt->cgroups_enabled());
  REQUIRE(rig.node->StartPlugin().ok());
  std::string web = rig.Pod("web");
  std::string shared = rig.Create(web, "app");
  CHECK(rig.rt->RealAffinity(shared)->ToString() == "0-" + last);
  std::string job = rig.Pod("job");
  StatusOr<std::string> dev = rig.node->PrepareClaim(Uid(8), last, {"pod-uid-job"});
  REQUIRE(dev.ok());
  std::string pinned = rig.Create(job, "worker", {}, {*dev});
  CHECK(rig.rt->RealAffinity(pinned)->ToString() == last);
  // Eventually: a push may land after the create (the create's answer repeats it as well).
  CHECK(rig.rt->WaitUntil([&] { return !rig.rt->RealAffinity(shared)->Contains(ncpu - 1); }, 3s));
  REQUIRE(rig.rt->RemovePod(job).ok());
  REQUIRE(rig.node->UnprepareClaim(Uid(8)).ok());
  CHECK(rig.rt->WaitUntil([&] { return rig.rt->RealAffinity(shared)->ToString() == "0-" + last; },
                          5s));
}

}  // namespace
}  // namespace dracpu::standin
