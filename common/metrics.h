// Metrics: a small thread-safe registry of counters, gauges and histograms, rendered in the
// Prometheus text exposition format, version 0.0.4 (what /metrics serves; see
// common/http/http_endpoint.h).
//
// Usage (once, at start-up):
//   metrics::Registry registry;
//   auto& hook = registry.AddHistogramFamily("dracpu_nri_hook_duration_seconds",
//                                            "NRI hook latency.", {"event"},
//                                            metrics::ExponentialBuckets(25e-6, 2, 16));
//   metrics::Histogram& create = hook.WithLabels({"CreateContainer"});  // cache this
//   auto& rejected = registry.AddCounterFamily("dracpu_nri_rejections_total",
//                                              "Containers refused.", {"reason"});
// and on the hot path:
//   create.Observe(seconds);   or   { metrics::ScopedLatency t(create); ... }
//   rejected.WithLabels({"unknown claim"}).Increment();
//
// Cost and locking (the NRI hook records latency on every event):
//   - Counter::Increment, Gauge::Set/Add and Histogram::Observe are lock-free: one relaxed
//     atomic add (a compare-exchange loop for doubles; bucket counts are plain integer adds)
//     plus, for a histogram, a binary search over its bounds. No allocation.
//   - Family::WithLabels takes the family's mutex for one map lookup (and one allocation the
//     first time a label set is seen). Cache the returned reference where the label set is fixed;
//     the reference stays valid for the registry's lifetime.
//   - Render takes the registry's and each family's mutex in turn (never a metric's), so it
//     does not block recording. A histogram read while being updated may show a _sum that
//     includes or misses an observation its buckets do not; _count always equals the +Inf
//     bucket (both are computed from the same read of the buckets).
//
// Output: families sorted by name, each with "# HELP" and "# TYPE" lines (also when a labelled
// family has no series yet), series sorted by label values. Label values are escaped (\\, \",
// \n); HELP text escapes \\ and \n. Integral values print without exponent ("3", not "3e+00").
//
// Programming errors abort via CHECK (they are constants in the code, never input): an invalid
// metric or label name, "le" as a histogram label, a name registered twice with a different type,
// help, label names or buckets, or WithLabels with the wrong number of values. Registering the same
// name with identical parameters returns the existing family, so two modules may share one.
//
// Label values may come from input (a rejection reason): each family holds at most
// kMaxSeriesPerFamily series; further label sets share one series whose values are all
// "overflow" (logged once), so a flood of distinct values cannot exhaust memory.
// REQUIRES: label values and help text are valid UTF-8 (Prometheus rejects the scrape otherwise).

#ifndef DRACPU_COMMON_METRICS_H_
#define DRACPU_COMMON_METRICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dracpu::metrics {

using LabelValues = std::vector<std::string>;

// A value that only goes up (events, errors). Starts at 0.
class Counter {
 public:
  // Negative and NaN increments are ignored (a counter never decreases).
  void Increment(double by = 1.0);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that goes up and down (CPUs in the shared pool, pinned containers). Starts at 0.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with upper bounds `bounds` (v <= bound) plus +Inf.
class Histogram {
 public:
  // REQUIRES: bounds strictly increasing and finite (CHECKed); +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);

  // NaN is ignored. Lock-free.
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1 (last: +Inf)
  std::atomic<double> sum_{0.0};
};

// {start, start*factor, ...}: `count` bounds. REQUIRES: start > 0, factor > 1, count >= 1.
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// {start, start+width, ...}: `count` bounds. REQUIRES: width > 0, count >= 1.
std::vector<double> LinearBuckets(double start, double width, int count);

// Observes the seconds elapsed between construction and destruction (steady clock).
class ScopedLatency {
 public:
  explicit ScopedLatency(Histogram& histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedLatency() {
    histogram_.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  Histogram& histogram_;
  const std::chrono::steady_clock::time_point start_;
};

inline constexpr size_t kMaxSeriesPerFamily = 1000;

// The part of a family the registry renders without knowing the metric type.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  virtual void Render(std::string* out) const = 0;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

 protected:
  FamilyBase(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// All series of one metric name, one per label set. M is Counter, Gauge or Histogram.
template <typename M>
class Family : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds);

  // The series for `values` (one per label name, in order), created at 0 on first use.
  // Takes a short lock; see the header comment.
  M& WithLabels(const LabelValues& values);

  void Render(std::string* out) const override;
  const std::vector<double>& bounds() const { return bounds_; }  // histograms only

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<M>> series_;  // guarded by mu_
  bool overflow_logged_ = false;                      // guarded by mu_
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Unlabelled metrics: one series, present (at 0) from registration.
  Counter& AddCounter(const std::string& name, const std::string& help);
  Gauge& AddGauge(const std::string& name, const std::string& help);
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> bounds);

  Family<Counter>& AddCounterFamily(const std::string& name, const std::string& help,
                                    std::vector<std::string> label_names);
  Family<Gauge>& AddGaugeFamily(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names);
  Family<Histogram>& AddHistogramFamily(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds);

  // The whole registry in text format 0.0.4. Thread-safe.
  std::string Render() const;

 private:
  template <typename M>
  Family<M>& Add(const std::string& name, const std::string& help,
                 std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;  // guarded by mu_
};

// Text-format helpers, exposed for tests and for anyone rendering extra lines.
std::string EscapeLabelValue(const std::string& value);
std::string EscapeHelp(const std::string& help);
// "3", "0.25", "+Inf", "-Inf", "NaN"; shortest text that reads back to the same double.
std::string FormatValue(double value);

// The Content-Type for Render's output.
inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace dracpu::metrics

#endif  // DRACPU_COMMON_METRICS_H_
