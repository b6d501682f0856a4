#include "common/metrics.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace dracpu::metrics {
namespace {

TEST_CASE("metrics: FormatValue prints integers plainly and floats exactly", "[metrics]") {
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(3) == "3");
  CHECK(FormatValue(-2) == "-2");
  CHECK(FormatValue(1000000) == "1000000");
  CHECK(FormatValue(0.25) == "0.25");
  CHECK(FormatValue(0.005) == "0.005");
  CHECK(FormatValue(1e300) == "1e+300");
  CHECK(FormatValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatValue(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatValue(std::nan("")) == "NaN");
}

TEST_CASE("metrics: label values and help text are escaped", "[metrics]") {
  CHECK(EscapeLabelValue(R"(a"b\c)"
                         "\n") == R"(a\"b\\c\n)");
  CHECK(EscapeHelp("x \"y\" \\ \n") == "x \"y\" \\\\ \\n");

  Registry r;
  r.AddCounterFamily("c_total", "line1\nline2", {"reason"})
      .WithLabels({"claim \"x\" at C:\\ \n"})
      .Increment();
  CHECK(r.Render() ==
        "# HELP c_total line1\\nline2\n"
        "# TYPE c_total counter\n"
        "c_total{reason=\"claim \\\"x\\\" at C:\\\\ \\n\"} 1\n");
}

TEST_CASE("metrics: counter and gauge render exactly, families sorted by name", "[metrics]") {
  Registry r;
  Gauge& g = r.AddGauge("dracpu_shared_cpus", "CPUs in the shared pool.");
  Counter& c = r.AddCounter("dracpu_events_total", "Events seen.");
  c.Increment();
  c.Increment(2);
  c.Increment(-5);  // ignored: counters never decrease
  c.Increment(std::nan(""));
  g.Set(10);
  g.Add(-2.5);
  CHECK(c.Value() == 3);
  CHECK(g.Value() == 7.5);
  CHECK(r.Render() ==
        "# HELP dracpu_events_total Events seen.\n"
        "# TYPE dracpu_events_total counter\n"
        "dracpu_events_total 3\n"
        "# HELP dracpu_shared_cpus CPUs in the shared pool.\n"
        "# TYPE dracpu_shared_cpus gauge\n"
        "dracpu_shared_cpus 7.5\n");
}

TEST_CASE("metrics: labelled series are sorted by value, empty family keeps its header",
          "[metrics]") {
  Registry r;
  auto& rejected = r.AddCounterFamily("rej_total", "Rejections.", {"reason", "kind"});
  r.AddGaugeFamily("empty", "No series yet.", {"x"});
  rejected.WithLabels({"unknown claim", "b"}).Increment(2);
  rejected.WithLabels({"cpuset mismatch", "a"}).Increment();
  rejected.WithLabels({"unknown claim", "a"}).Increment();
  CHECK(&rejected.WithLabels({"unknown claim", "b"}) ==
        &rejected.WithLabels({"unknown claim", "b"}));
  CHECK(r.Render() ==
        "# HELP empty No series yet.\n"
        "# TYPE empty gauge\n"
        "# HELP rej_total Rejections.\n"
        "# TYPE rej_total counter\n"
        "rej_total{reason=\"cpuset mismatch\",kind=\"a\"} 1\n"
        "rej_total{reason=\"unknown claim\",kind=\"a\"} 1\n"
        "rej_total{reason=\"unknown claim\",kind=\"b\"} 2\n");
}

TEST_CASE("metrics: histogram buckets are cumulative with +Inf, _sum and _count", "[metrics]") {
  Registry r;
  auto& hook = r.AddHistogramFamily("hook_seconds", "Hook latency.", {"event"}, {0.25, 0.5, 1});
  Histogram& create = hook.WithLabels({"CreateContainer"});
  create.Observe(0.125);
  create.Observe(0.25);  // on the bound: le is inclusive
  create.Observe(0.75);
  create.Observe(2);
  create.Observe(std::nan(""));  // ignored
  hook.WithLabels({"StopContainer"}).Observe(0.375);
  CHECK(r.Render() ==
        "# HELP hook_seconds Hook latency.\n"
        "# TYPE hook_seconds histogram\n"
        "hook_seconds_bucket{event=\"CreateContainer\",le=\"0.25\"} 2\n"
        "hook_seconds_bucket{event=\"CreateContainer\",le=\"0.5\"} 2\n"
        "hook_seconds_bucket{event=\"CreateContainer\",le=\"1\"} 3\n"
        "hook_seconds_bucket{event=\"CreateContainer\",le=\"+Inf\"} 4\n"
        "hook_seconds_sum{event=\"CreateContainer\"} 3.125\n"
        "hook_seconds_count{event=\"CreateContainer\"} 4\n"
        "hook_seconds_bucket{event=\"StopContainer\",le=\"0.25\"} 0\n"
        "hook_seconds_bucket{event=\"StopContainer\",le=\"0.5\"} 1\n"
        "hook_seconds_bucket{event=\"StopContainer\",le=\"1\"} 1\n"
        "hook_seconds_bucket{event=\"StopContainer\",le=\"+Inf\"} 1\n"
        "hook_seconds_sum{event=\"StopContainer\"} 0.375\n"
        "hook_seconds_count{event=\"StopContainer\"} 1\n");
}

TEST_CASE("metrics: unlabelled histogram renders le as the only label", "[metrics]") {
  Registry r;
  Histogram& h = r.AddHistogram("prep_seconds", "Prepare latency.", LinearBuckets(1, 1, 2));
  h.Observe(1.5);
  CHECK(r.Render() ==
        "# HELP prep_seconds Prepare latency.\n"
        "# TYPE prep_seconds histogram\n"
        "prep_seconds_bucket{le=\"1\"} 0\n"
        "prep_seconds_bucket{le=\"2\"} 1\n"
        "prep_seconds_bucket{le=\"+Inf\"} 1\n"
        "prep_seconds_sum 1.5\n"
        "prep_seconds_count 1\n");
}

TEST_CASE("metrics: bucket helpers", "[metrics]") {
  CHECK(ExponentialBuckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK(LinearBuckets(0, 5, 3) == std::vector<double>{0, 5, 10});
}

TEST_CASE("metrics: ScopedLatency observes once, a non-negative duration", "[metrics]") {
  Histogram h({1e9});
  { ScopedLatency t(h); }
  Histogram::Snapshot s = h.Read();
  CHECK(s.count == 1);
  CHECK(s.cumulative[0] == 1);
  CHECK(s.sum >= 0);
}

TEST_CASE("metrics: registering a name again with the same definition shares it", "[metrics]") {
  Registry r;
  Counter& a = r.AddCounter("shared_total", "Shared.");
  Counter& b = r.AddCounter("shared_total", "Shared.");
  CHECK(&a == &b);
  auto& f1 = r.AddHistogramFamily("h", "H.", {"e"}, {1, 2});
  auto& f2 = r.AddHistogramFamily("h", "H.", {"e"}, {1, 2});
  CHECK(&f1 == &f2);
}

TEST_CASE("metrics: label sets beyond the cap share one overflow series", "[metrics]") {
  Registry r;
  auto& f = r.AddCounterFamily("flood_total", "Flood.", {"reason"});
  for (size_t i = 0; i < kMaxSeriesPerFamily + 50; ++i) {
    f.WithLabels({"r" + std::to_string(i)}).Increment();
  }
  const std::string text = r.Render();
  CHECK(text.find("flood_total{reason=\"overflow\"} 50\n") != std::string::npos);
  CHECK(text.find("reason=\"r" + std::to_string(kMaxSeriesPerFamily) + "\"") == std::string::npos);
  // An existing label set still gets its own series once the cap is reached.
  f.WithLabels({"r0"}).Increment();
  CHECK(r.Render().find("flood_total{reason=\"r0\"} 2\n") != std::string::npos);
}

TEST_CASE("metrics: concurrent recording loses no update", "[metrics]") {
  Registry r;
  Counter& c = r.AddCounter("n_total", "N.");
  Gauge& g = r.AddGauge("g", "G.");
  auto& family = r.AddHistogramFamily("lat", "L.", {"event"}, {0.5});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Histogram& h = family.WithLabels({t % 2 ? "odd" : "even"});
      for (int i = 0; i < kPerThread; ++i) {
        c.Increment();
        g.Add(1);
        h.Observe(i % 2 ? 1.0 : 0.25);
        if (i % 1000 == 0) (void)r.Render();  // rendering concurrently must be safe
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(c.Value() == kThreads * kPerThread);
  CHECK(g.Value() == kThreads * kPerThread);
  for (const char* event : {"odd", "even"}) {
    Histogram::Snapshot s = family.WithLabels({event}).Read();
    CHECK(s.count == 2 * kPerThread);
    CHECK(s.cumulative[0] == kPerThread);  // the 0.25 half
    CHECK(s.sum == kPerThread * 1.25);     // exact: all partial sums are representable
  }
}

}  // namespace
}  // namespace dracpu::metrics
