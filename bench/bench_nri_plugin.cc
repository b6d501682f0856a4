// The nri-plugin's own time per event (the CpuPinningPlugin handlers, excluding the socket round
// trip, which bench_nri_transport measures): CreateContainer for shared and pinned containers
// with 4096 CPUs, 200 claims and 500 running containers; CreateContainer right after the driver
// replaced the state file (one shared-lock read and parse); Synchronize with 1000 containers.
// Median and p99. Figures are printed, never asserted.

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"
#include "nri-plugin/app/cpu_pinning_plugin.h"
#include "nri-plugin/app/testing/app_fixtures.h"

namespace dracpu::nri {
namespace {

using Clock = std::chrono::steady_clock;
using testing::MakeContainer;
using testing::MakePod;

constexpr int kClaims = 200;

std::string ClaimUid(int i) { return "claim-" + std::to_string(i); }
std::string PodUid(int i) { return "pod-" + std::to_string(i); }
std::string ClaimCpus(int i) { return std::to_string(2 + 8 * i) + "-" + std::to_string(9 + 8 * i); }

std::vector<testing::TestClaim> Claims(int n) {
  std::vector<testing::TestClaim> claims;
  for (int i = 0; i < n; ++i) claims.push_back({ClaimUid(i), ClaimCpus(i), {PodUid(i)}});
  return claims;
}

void Print(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  std::printf("%-52s n=%5zu median=%8.1f us  p99=%8.1f us\n", what, us.size(), us[us.size() / 2],
              us[us.size() * 99 / 100]);
}

template <typename F>
double Micros(F&& f) {
  const Clock::time_point start = Clock::now();
  f();
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void Run() {
  dracpu::testing::TempDir dir;
  if (!testing::WriteState(dir.path(), "0-4095", "0-1", Claims(kClaims)).ok()) return;
  AllocationSource source(dir.path(), nullptr);
  metrics::Registry registry;
  PluginMetrics metrics(&registry);
  CpuPinningPlugin plugin(&source, &metrics);

  // 500 running containers: one pinned per claim, the rest shared.
  api::SynchronizeRequest running;
  for (int i = 0; i < 500; ++i) {
    api::PodSandbox pod = MakePod(PodUid(i));
    *running.add_pods() = pod;
    std::vector<std::string> env = {"PATH=/usr/bin", "HOME=/root"};
    if (i < kClaims) env.push_back("DRA_CPUSET_" + ClaimUid(i) + "=" + ClaimCpus(i));
    *running.add_containers() = MakeContainer(pod, "app", env, "0-4095");
  }
  std::vector<double> sync;
  for (int r = 0; r < 20; ++r) sync.push_back(Micros([&] { (void)plugin.Synchronize(running); }));
  Print("Synchronize, 500 containers", sync);

  api::PodSandbox shared_pod = MakePod("pod-shared");
  std::vector<double> shared, pinned, after_write;
  for (int i = 0; i < 2000; ++i) {
    api::Container c = MakeContainer(shared_pod, "c" + std::to_string(i), {"PATH=/usr/bin"});
    shared.push_back(Micros([&] { (void)plugin.CreateContainer(shared_pod, c); }));
    (void)plugin.RemoveContainer(shared_pod, c);
  }
  Print("CreateContainer shared (500 running)", shared);
  for (int i = 0; i < 2000; ++i) {
    // A restart of claim k's container: same pod and name, new id.
    const int k = i % kClaims;
    api::PodSandbox pod = MakePod(PodUid(k));
    api::Container c = MakeContainer(pod, "app", {"DRA_CPUSET_" + ClaimUid(k) + "=" + ClaimCpus(k)},
                                     "", "restart-" + std::to_string(i));
    pinned.push_back(Micros([&] { (void)plugin.CreateContainer(pod, c); }));
    (void)plugin.RemoveContainer(pod, c);
  }
  Print("CreateContainer pinned (500 running)", pinned);
  for (int i = 0; i < 200; ++i) {
    if (!testing::WriteState(dir.path(), "0-4095", "0-1", Claims(kClaims - (i % 2))).ok()) return;
    api::Container c = MakeContainer(shared_pod, "w" + std::to_string(i));
    after_write.push_back(Micros([&] { (void)plugin.CreateContainer(shared_pod, c); }));
    (void)plugin.RemoveContainer(shared_pod, c);
  }
  Print("CreateContainer after a state write (200 claims)", after_write);
  if (!testing::WriteState(dir.path(), "0-4095", "0-1", Claims(kClaims)).ok()) return;

  api::SynchronizeRequest big = running;
  for (int i = 500; i < 1000; ++i) {
    api::PodSandbox pod = MakePod(PodUid(i));
    *big.add_pods() = pod;
    *big.add_containers() = MakeContainer(pod, "app", {"PATH=/usr/bin"}, "0-4095");
  }
  std::vector<double> sync_big;
  for (int r = 0; r < 20; ++r) sync_big.push_back(Micros([&] { (void)plugin.Synchronize(big); }));
  Print("Synchronize, 1000 containers", sync_big);
}

}  // namespace
}  // namespace dracpu::nri

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_minloglevel = 2;  // decisions are logged per container; keep them out of the timing
  dracpu::nri::Run();
  return 0;
}
