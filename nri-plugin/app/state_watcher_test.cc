// The watcher end to end inside one process: the state file written as the driver writes it, the
// plugin re-reading it on the watcher's thread, and the update reaching the (fake) runtime push
// within a bound. Prints the measured delay.

#include "nri-plugin/app/state_watcher.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/testing/temp_dir.h"
#include "nri-plugin/app/cpu_pinning_plugin.h"
#include "nri-plugin/app/testing/app_fixtures.h"

namespace dracpu::nri {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::MakeContainer;
using testing::MakePod;
using testing::WriteState;

// Records pushed updates and lets the test wait for one naming a given cpuset.
class PushLog {
 public:
  StatusOr<std::vector<api::ContainerUpdate>> Push(const std::vector<api::ContainerUpdate>& u) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const api::ContainerUpdate& x : u) {
      seen_.push_back({x.container_id(), x.linux().resources().cpu().cpus(), Clock::now()});
    }
    cv_.notify_all();
    return std::vector<api::ContainerUpdate>{};
  }
  // The time the update arrived, or nullopt after `timeout`.
  std::optional<Clock::time_point> WaitFor(const std::string& id, const std::string& cpus,
                                           std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    std::optional<Clock::time_point> at;
    cv_.wait_for(lock, timeout, [&] {
      for (const Seen& s : seen_) {
        if (s.id == id && s.cpus == cpus) at = s.at;
      }
      return at.has_value();
    });
    return at;
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.clear();
  }

 private:
  struct Seen {
    std::string id, cpus;
    Clock::time_point at;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
};

struct Rig {
  explicit Rig(const std::string& state_dir, std::chrono::milliseconds period)
      : source(state_dir, nullptr),
        metrics(&registry),
        plugin(&source, &metrics),
        watcher(state_dir, period, [this] { plugin.ReconcileAllocations(); }) {
    plugin.SetUpdatePusher([this](const auto& u) { return log.Push(u); });
    plugin.SetWake([this] { watcher.Wake(); });
  }
  AllocationSource source;
  metrics::Registry registry;
  PluginMetrics metrics;
  CpuPinningPlugin plugin;
  PushLog log;
  StateWatcher watcher;
};

TEST_CASE("an unprepare reaches running shared containers through inotify, promptly") {
  dracpu::testing::TempDir dir;
  REQUIRE(WriteState(dir.path(), "0-7", "0", {{"c1", "4-5", {"p1"}}}).ok());
  // A fallback period far beyond the bound: only inotify can meet it.
  Rig rig(dir.path(), 60s);
  api::PodSandbox p0 = MakePod("p0");
  REQUIRE(rig.plugin.CreateContainer(p0, MakeContainer(p0, "shared")).ok());
  REQUIRE(rig.watcher.Start().ok());
  REQUIRE(rig.watcher.watching());

  std::vector<double> delays_ms;
  for (int round = 0; round < 5; ++round) {
    const bool prepared = round % 2 == 1;
    const Clock::time_point written = Clock::now();
    if (!prepared) {
      // Growth is pushed at once.
      REQUIRE(WriteState(dir.path(), "0-7", "0", {}).ok());
      std::optional<Clock::time_point> at = rig.log.WaitFor("ctr-shared-p0", "1-7", 5s);
      REQUIRE(at.has_value());
      delays_ms.push_back(std::chrono::duration<double, std::milli>(*at - written).count());
      rig.log.Clear();
      continue;
    }
    // A shrink is not pushed (a push could land after the claim container's creation); it
    // travels in the next CreateContainer answer.
    REQUIRE(WriteState(dir.path(), "0-7", "0", {{"c1", "4-5", {"p1"}}}).ok());
    const Clock::time_point deadline = Clock::now() + 5s;
    while (rig.plugin.SharedPool().ToString() != "1-3,6-7" && Clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    REQUIRE(rig.plugin.SharedPool().ToString() == "1-3,6-7");
    CHECK_FALSE(rig.log.WaitFor("ctr-shared-p0", "1-3,6-7", 50ms).has_value());
    api::PodSandbox next = MakePod("next" + std::to_string(round));
    auto created = rig.plugin.CreateContainer(next, MakeContainer(next, "other"));
    REQUIRE(created.ok());
    bool carried = false;
    for (const api::ContainerUpdate& u : created->update()) {
      carried |=
          u.container_id() == "ctr-shared-p0" && u.linux().resources().cpu().cpus() == "1-3,6-7";
    }
    CHECK(carried);
  }
  std::cout << "state write -> UpdateContainers push delay (ms):";
  for (double d : delays_ms) std::cout << " " << d;
  std::cout << "\n";
  rig.watcher.Stop();
}

TEST_CASE("a state folder that appears later is found by polling, then watched") {
  dracpu::testing::TempDir dir;
  const std::string state_dir = dir.Sub("state");
  Rig rig(state_dir, 50ms);
  api::PodSandbox p0 = MakePod("p0");
  REQUIRE(rig.watcher.Start().ok());
  CHECK_FALSE(rig.watcher.watching());
  REQUIRE(rig.plugin.CreateContainer(p0, MakeContainer(p0, "shared")).ok());

  REQUIRE(WriteState(state_dir, "0-7", "0", {{"c1", "4-5", {"p1"}}}).ok());
  CHECK(rig.log.WaitFor("ctr-shared-p0", "1-3,6-7", 5s).has_value());
  // Give the poll loop one more period to take up the new folder.
  for (int i = 0; i < 100 && !rig.watcher.watching(); ++i) std::this_thread::sleep_for(10ms);
  CHECK(rig.watcher.watching());
}

TEST_CASE("Stop ends the watcher promptly even with a long period") {
  dracpu::testing::TempDir dir;
  int calls = 0;
  StateWatcher watcher(dir.path(), 60s, [&calls] { ++calls; });
  REQUIRE(watcher.Start().ok());
  const Clock::time_point start = Clock::now();
  watcher.Stop();
  CHECK(Clock::now() - start < 5s);
  CHECK(calls >= 1);  // the initial check
}

}  // namespace
}  // namespace dracpu::nri
