// Cost of recording a metric on the hot path (the NRI hook observes latency on every event) and
// of rendering /metrics. Figures are printed, never asserted.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double NanosPerOp(int ops, F&& f) {
  const auto start = Clock::now();
  for (int i = 0; i < ops; ++i) f(i);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / ops;
}

// `threads` threads each run `ops` calls of f; returns the mean wall time per call and thread.
template <typename F>
double ContendedNanosPerOp(int threads, int ops, F f) {
  std::vector<std::thread> pool;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < ops; ++i) f(i);
    });
  }
  for (auto& th : pool) th.join();
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() / ops;
}

}  // namespace

int main() {
  using namespace dracpu::metrics;
  constexpr int kOps = 2'000'000;
  Registry registry;
  Counter& counter = registry.AddCounter("bench_total", "Bench.");
  auto& hooks = registry.AddHistogramFamily("bench_hook_seconds", "Hook latency.", {"event"},
                                            ExponentialBuckets(25e-6, 2, 16));
  Histogram& create = hooks.WithLabels({"CreateContainer"});

  std::printf("counter increment:           %6.1f ns/op\n",
              NanosPerOp(kOps, [&](int) { counter.Increment(); }));
  std::printf("histogram observe (16 bkts): %6.1f ns/op\n",
              NanosPerOp(kOps, [&](int i) { create.Observe(1e-6 * (i % 4096)); }));
  std::printf("family WithLabels lookup:    %6.1f ns/op\n",
              NanosPerOp(kOps, [&](int) { (void)hooks.WithLabels({"CreateContainer"}); }));
  std::printf("ScopedLatency (2 clock reads + observe): %6.1f ns/op\n",
              NanosPerOp(kOps, [&](int) { ScopedLatency t(create); }));
  std::printf("histogram observe, 2 threads on one series: %6.1f ns/op per thread\n",
              ContendedNanosPerOp(2, kOps, [&](int i) { create.Observe(1e-6 * (i % 4096)); }));

  for (const char* event :
       {"RunPodSandbox", "StopContainer", "RemoveContainer", "UpdateContainer", "Synchronize"}) {
    hooks.WithLabels({event}).Observe(1e-4);
  }
  auto& reasons = registry.AddCounterFamily("bench_rejections_total", "Rejections.", {"reason"});
  for (int i = 0; i < 5; ++i) reasons.WithLabels({"reason " + std::to_string(i)}).Increment();
  std::string text;
  const double render_us = NanosPerOp(2000, [&](int) { text = registry.Render(); }) / 1000.0;
  std::printf("render (6 histograms x 17 buckets, 6 counters): %.1f us, %zu bytes\n", render_us,
              text.size());
  return 0;
}
