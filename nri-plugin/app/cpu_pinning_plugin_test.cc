// The NRI handlers against NRI messages built here and a state file written as the driver does:
// pinning, refusal, the shared pool, resource updates, Synchronize, and the pushes that follow
// state changes outside any event.

#include "nri-plugin/app/cpu_pinning_plugin.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "common/testing/temp_dir.h"
#include "nri-plugin/app/testing/app_fixtures.h"

namespace dracpu::nri {
namespace {

using testing::MakeContainer;
using testing::MakePod;
using testing::WriteState;

// Container id -> cpus, as a set of updates moves them.
using Moved = std::map<std::string, std::string>;

// The claim most tests prepare: CPUs 4-5 for pod p1, out of online 0-7 with 0 reserved.
const testing::TestClaim kC1{"c1", "4-5", {"p1"}};

// The value of one series in the registry's text output, or -1 when absent.
double Metric(const metrics::Registry& registry, const std::string& series) {
  std::istringstream in(registry.Render());
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// cpus per container id in a list of updates; every update must carry ignore_failure.
template <typename Updates>
Moved Moves(const Updates& updates) {
  Moved out;
  for (const api::ContainerUpdate& u : updates) {
    CHECK(u.ignore_failure());
    out[u.container_id()] = u.linux().resources().cpu().cpus();
  }
  return out;
}

std::string Pinned(const api::CreateContainerResponse& r) {
  return r.adjust().linux().resources().cpu().cpus();
}

struct Fixture {
  Fixture() : source(dir.path(), nullptr), metrics(&registry), plugin(&source, &metrics) {
    plugin.SetUpdatePusher([this](const std::vector<api::ContainerUpdate>& u) {
      pushes.push_back(Moves(u));
      if (during_push) during_push();
      Status s = push_result;
      push_result = Status::OK();
      if (!s.ok()) return StatusOr<std::vector<api::ContainerUpdate>>(s);
      return StatusOr<std::vector<api::ContainerUpdate>>(std::vector<api::ContainerUpdate>{});
    });
    plugin.SetWake([this] { ++wakes; });
  }
  void State(const std::vector<testing::TestClaim>& claims) {
    REQUIRE(WriteState(dir.path(), "0-7", "0", claims).ok());
  }
  StatusOr<api::CreateContainerResponse> Create(const api::PodSandbox& pod,
                                                const api::Container& ctr) {
    return plugin.CreateContainer(pod, ctr);
  }
  // Creates a container that must be admitted; returns it for later events.
  api::Container Admit(const api::PodSandbox& pod, const std::string& name,
                       const std::vector<std::string>& env = {}) {
    api::Container ctr = MakeContainer(pod, name, env);
    REQUIRE(Create(pod, ctr).ok());
    return ctr;
  }
  // Shared container "ctr-shared-p0" created while kC1 holds 4-5 (so on 1-3,6-7), then kC1
  // unprepared: the next reconcile owes it a push to 1-7.
  void SharedContainerThenUnprepare() {
    State({kC1});
    api::PodSandbox p0 = MakePod("p0");
    Admit(p0, "shared");
    State({});
  }

  dracpu::testing::TempDir dir;
  AllocationSource source;
  metrics::Registry registry;
  PluginMetrics metrics;
  CpuPinningPlugin plugin;
  std::vector<Moved> pushes;
  std::function<void()> during_push;
  Status push_result;
  int wakes = 0;
};

TEST_CASE("the plugin subscribes to create, update, stop and remove only") {
  CHECK(SubscribedEvents<CpuPinningPlugin>() == 0x688);
}

TEST_CASE("ToContainerInfo takes ids, names, env and the current cpuset") {
  api::PodSandbox pod = MakePod("uid-1", "web", "shop");
  api::Container ctr = MakeContainer(pod, "app", {"A=1", "DRA_CPUSET_c=2"}, "0-3", "cid");
  ContainerInfo info = ToContainerInfo(pod, ctr);
  CHECK(info.id == "cid");
  CHECK(info.name == "app");
  CHECK(info.pod_uid == "uid-1");
  CHECK(info.pod_name == "web");
  CHECK(info.pod_namespace == "shop");
  CHECK(info.env == std::vector<std::string>{"A=1", "DRA_CPUSET_c=2"});
  CHECK(info.cpuset == "0-3");
}

TEST_CASE("a claim container is pinned and shared containers shrink in the same answer") {
  Fixture f;
  f.State({});
  api::PodSandbox plain = MakePod("p0");
  auto shared = f.Create(plain, MakeContainer(plain, "sidecar", {"PATH=/bin"}));
  REQUIRE(shared.ok());
  CHECK(Pinned(*shared) == "1-7");  // online - reserved
  CHECK(shared->update_size() == 0);

  f.State({kC1});
  api::PodSandbox pod = MakePod("p1");
  auto pinned = f.Create(pod, MakeContainer(pod, "app", {"DRA_CPUSET_c1=4-5"}));
  REQUIRE(pinned.ok());
  CHECK(Pinned(*pinned) == "4-5");
  CHECK(Moves(pinned->update()) == Moved{{"ctr-sidecar-p0", "1-3,6-7"}});

  auto later = f.Create(plain, MakeContainer(plain, "late"));
  REQUIRE(later.ok());
  CHECK(Pinned(*later) == "1-3,6-7");

  CHECK(Metric(f.registry, "dracpu_nri_pinned_containers") == 1);
  CHECK(Metric(f.registry, "dracpu_nri_shared_containers") == 2);
  CHECK(Metric(f.registry, "dracpu_nri_shared_pool_cpus") == 5);
  CHECK(Metric(f.registry, "dracpu_nri_hook_duration_seconds_count{event=\"CreateContainer\"}") ==
        3);
}

TEST_CASE("a refused container fails creation with the policy's reason, counted by reason") {
  Fixture f;
  f.State({kC1});
  api::PodSandbox mine = MakePod("p1");
  api::PodSandbox other = MakePod("p2");
  struct Case {
    api::PodSandbox pod;
    std::string env, words, reason;
  };
  const std::vector<Case> cases = {
      {mine, "DRA_CPUSET_c1=4-x", "DRA_CPUSET_c1", "malformed"},
      {mine, "DRA_CPUSET_c9=4-5", "unknown claim c9", "unknown_claim"},
      {mine, "DRA_CPUSET_c1=4-6", "cpuset mismatch for claim c1", "cpuset_mismatch"},
      {other, "DRA_CPUSET_c1=4-5", "claim c1 not reserved for pod p2", "not_reserved_for_pod"},
  };
  for (const Case& c : cases) {
    auto r = f.Create(c.pod, MakeContainer(c.pod, "x", {c.env}));
    REQUIRE_FALSE(r.ok());
    INFO(r.status().ToString());
    CHECK(r.status().message().find(c.words) != std::string::npos);
    CHECK(Metric(f.registry, "dracpu_nri_rejections_total{reason=\"" + c.reason + "\"}") == 1);
  }
  auto first = f.Create(mine, MakeContainer(mine, "a", {"DRA_CPUSET_c1=4-5"}));
  REQUIRE(first.ok());
  auto second = f.Create(mine, MakeContainer(mine, "b", {"DRA_CPUSET_c1=4-5"}));
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().find("claim c1 already bound to p1/a") != std::string::npos);
  CHECK(Metric(f.registry, "dracpu_nri_pinned_containers") == 1);
}

TEST_CASE("without a state file shared containers are left where the runtime put them") {
  Fixture f;
  api::PodSandbox pod = MakePod("p0");
  auto r = f.Create(pod, MakeContainer(pod, "app", {}, "0-7"));
  REQUIRE(r.ok());
  CHECK_FALSE(r->adjust().has_linux());
  CHECK(r->update_size() == 0);
  auto forged = f.Create(pod, MakeContainer(pod, "forged", {"DRA_CPUSET_c1=1"}));
  CHECK_FALSE(forged.ok());  // still no exclusive CPUs without a claim
}

TEST_CASE("a resource update never moves a container off its cpuset") {
  Fixture f;
  f.State({kC1});
  api::PodSandbox pod = MakePod("p1");
  api::Container ctr = f.Admit(pod, "app", {"DRA_CPUSET_c1=4-5"});
  api::LinuxResources res;
  SECTION("a different cpuset is answered with the container's own") {
    res.mutable_cpu()->set_cpus("0-7");
    auto r = f.plugin.UpdateContainer(pod, ctr, res);
    REQUIRE(r.ok());
    CHECK(Moves(r->update()) == Moved{{ctr.id(), "4-5"}});
  }
  SECTION("no cpuset or the same one needs no answer") {
    auto r = f.plugin.UpdateContainer(pod, ctr, res);
    REQUIRE(r.ok());
    CHECK(r->update_size() == 0);
    res.mutable_cpu()->set_cpus("4-5");
    CHECK(f.plugin.UpdateContainer(pod, ctr, res)->update_size() == 0);
  }
  SECTION("an unknown container is left alone") {
    res.mutable_cpu()->set_cpus("0-7");
    CHECK(f.plugin.UpdateContainer(pod, MakeContainer(pod, "new"), res)->update_size() == 0);
  }
}

TEST_CASE("Synchronize answers the updates that bring every running container in line") {
  Fixture f;
  f.State({kC1});
  api::SynchronizeRequest all;
  api::PodSandbox p1 = MakePod("p1");
  api::PodSandbox p0 = MakePod("p0");
  *all.add_pods() = p1;
  *all.add_pods() = p0;
  *all.add_containers() = MakeContainer(p1, "app", {"DRA_CPUSET_c1=4-5"}, "0-7");     // drifted
  *all.add_containers() = MakeContainer(p0, "wide", {}, "0-7");                       // too wide
  *all.add_containers() = MakeContainer(p0, "fine", {}, "1-3,6-7");                   // correct
  *all.add_containers() = MakeContainer(p0, "forged", {"DRA_CPUSET_c1=4-5"}, "4-5");  // wrong pod
  api::Container stopped = MakeContainer(p0, "stopped", {}, "0-7");
  stopped.set_state(api::CONTAINER_STOPPED);
  *all.add_containers() = stopped;

  auto updates = f.plugin.Synchronize(all);
  REQUIRE(updates.ok());
  CHECK(Moves(*updates) ==
        Moved{{"ctr-app-p1", "4-5"}, {"ctr-wide-p0", "1-3,6-7"}, {"ctr-forged-p0", "1-3,6-7"}});
  CHECK(f.plugin.PlacementOf("ctr-stopped-p0") == std::nullopt);
  CHECK(Metric(f.registry, "dracpu_nri_pinned_containers") == 1);
  CHECK(Metric(f.registry, "dracpu_nri_shared_containers") == 3);
}

TEST_CASE("an unprepared claim's CPUs are pushed back to running shared containers") {
  Fixture f;
  f.State({kC1});
  api::PodSandbox p0 = MakePod("p0");
  api::PodSandbox p1 = MakePod("p1");
  f.Admit(p0, "shared");
  api::Container app = f.Admit(p1, "app", {"DRA_CPUSET_c1=4-5"});
  api::Container gone = f.Admit(p0, "gone");
  REQUIRE(f.plugin.StopContainer(p0, gone).ok());

  f.plugin.ReconcileAllocations();
  CHECK(f.pushes.empty());  // nothing changed

  REQUIRE(f.plugin.RemoveContainer(p1, app).ok());
  f.State({});
  f.plugin.ReconcileAllocations();
  REQUIRE(f.pushes.size() == 1);
  CHECK(f.pushes[0] == Moved{{"ctr-shared-p0", "1-7"}});
  CHECK(Metric(f.registry, "dracpu_nri_shared_pool_cpus") == 7);
  CHECK(Metric(f.registry, "dracpu_nri_pinned_containers") == 0);
}

TEST_CASE("a container a hook moved while its push was in flight is pushed again") {
  Fixture f;
  f.SharedContainerThenUnprepare();
  api::PodSandbox p2 = MakePod("p2");
  f.during_push = [&] {
    f.during_push = nullptr;
    // Meanwhile the driver prepares c2 and its container is created: the hook's answer shrinks
    // the shared container, and the runtime may apply our push (1-7) after that answer.
    f.State({{"c2", "2-3", {"p2"}}});
    auto r = f.Create(p2, MakeContainer(p2, "app", {"DRA_CPUSET_c2=2-3"}));
    REQUIRE(r.ok());
    CHECK(Moves(r->update()) == Moved{{"ctr-shared-p0", "1,4-7"}});
  };
  f.plugin.ReconcileAllocations();
  REQUIRE(f.pushes.size() == 2);
  CHECK(f.pushes[0] == Moved{{"ctr-shared-p0", "1-7"}});
  CHECK(f.pushes[1] == Moved{{"ctr-shared-p0", "1,4-7"}});
}

TEST_CASE("a failed push is retried while connected and dropped when not") {
  Fixture f;
  f.SharedContainerThenUnprepare();
  SECTION("timeout: the next tick sends it again") {
    f.push_result = Status::DeadlineExceeded("runtime slow");
    f.plugin.ReconcileAllocations();
    f.plugin.ReconcileAllocations();
    REQUIRE(f.pushes.size() == 2);
    CHECK(f.pushes[1] == Moved{{"ctr-shared-p0", "1-7"}});
    CHECK(Metric(f.registry, "dracpu_nri_update_push_failures_total") == 1);
  }
  SECTION("not connected: the next connection's Synchronize repairs instead") {
    f.push_result = Status::Unavailable("nri: not connected to the runtime");
    f.plugin.ReconcileAllocations();
    f.plugin.ReconcileAllocations();
    CHECK(f.pushes.size() == 1);
  }
}

TEST_CASE("moves found by a refused container's hook reach the runtime through the watcher") {
  Fixture f;
  f.State({});
  api::PodSandbox p0 = MakePod("p0");
  f.Admit(p0, "shared");  // 1-7
  f.State({kC1});
  auto refused = f.Create(p0, MakeContainer(p0, "forged", {"DRA_CPUSET_c1=4-5"}));
  REQUIRE_FALSE(refused.ok());
  CHECK(f.wakes == 1);
  f.plugin.ReconcileAllocations();
  REQUIRE(f.pushes.size() == 1);
  CHECK(f.pushes[0] == Moved{{"ctr-shared-p0", "1-3,6-7"}});
}

TEST_CASE("Disconnected counts a reconnect") {
  Fixture f;
  f.plugin.Disconnected();
  CHECK(Metric(f.registry, "dracpu_nri_reconnects_total") == 1);
}

}  // namespace
}  // namespace dracpu::nri
