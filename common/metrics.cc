#include "common/metrics.h"

#include <glog/logging.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <type_traits>

namespace dracpu::metrics {

// The header promises lock-free recording; a platform where these take a hidden lock fails here.
static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool ValidMetricName(const std::string& name) {
  if (name.empty() || !(IsNameStart(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsNameStart(c) || IsDigit(c) || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*, and "__" prefixes are reserved for Prometheus itself.
bool ValidLabelName(const std::string& name) {
  if (name.empty() || !IsNameStart(name[0]) || name.rfind("__", 0) == 0) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsNameStart(c) || IsDigit(c); });
}

const char* TypeName(const Counter*) { return "counter"; }
const char* TypeName(const Gauge*) { return "gauge"; }
const char* TypeName(const Histogram*) { return "histogram"; }

// `a="x",b="y"` for the family's label names and one series' values; empty without labels.
std::string LabelPairs(const std::vector<std::string>& names, const LabelValues& values) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  return out;
}

void AppendSample(std::string* out, const std::string& name, const std::string& labels,
                  const std::string& value) {
  *out += name;
  if (!labels.empty()) {
    *out += '{';
    *out += labels;
    *out += '}';
  }
  *out += ' ';
  *out += value;
  *out += '\n';
}

void AppendSeries(std::string* out, const std::string& name, const std::string& labels,
                  const Counter& c) {
  AppendSample(out, name, labels, FormatValue(c.Value()));
}

void AppendSeries(std::string* out, const std::string& name, const std::string& labels,
                  const Gauge& g) {
  AppendSample(out, name, labels, FormatValue(g.Value()));
}

void AppendSeries(std::string* out, const std::string& name, const std::string& labels,
                  const Histogram& h) {
  const Histogram::Snapshot snap = h.Read();
  const std::string prefix = labels.empty() ? "" : labels + ",";
  const std::vector<double>& bounds = h.bounds();
  for (size_t i = 0; i <= bounds.size(); ++i) {
    const std::string le = i < bounds.size() ? FormatValue(bounds[i]) : "+Inf";
    AppendSample(out, name + "_bucket", prefix + "le=\"" + le + "\"",
                 std::to_string(snap.cumulative[i]));
  }
  AppendSample(out, name + "_sum", labels, FormatValue(snap.sum));
  AppendSample(out, name + "_count", labels, std::to_string(snap.count));
}

}  // namespace

void Counter::Increment(double by) {
  if (!(by >= 0)) return;  // also rejects NaN
  value_.fetch_add(by, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    CHECK(std::isfinite(bounds_[i])) << "histogram bound " << bounds_[i] << " is not finite";
    CHECK(i == 0 || bounds_[i - 1] < bounds_[i]) << "histogram bounds must strictly increase";
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // The first bound >= value is the bucket "le" that value falls in; none left means +Inf.
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snap;
  snap.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snap.cumulative.push_back(running);
  }
  snap.count = running;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  CHECK(start > 0 && factor > 1 && count >= 1) << "bad exponential buckets";
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  CHECK(width > 0 && count >= 1) << "bad linear buckets";
  std::vector<double> bounds;
  for (int i = 0; i < count; ++i) bounds.push_back(start + width * i);
  return bounds;
}

template <typename M>
Family<M>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {
  CHECK(ValidMetricName(name_)) << "invalid metric name \"" << name_ << "\"";
  for (const std::string& label : label_names_) {
    CHECK(ValidLabelName(label)) << name_ << ": invalid label name \"" << label << "\"";
    CHECK((!std::is_same_v<M, Histogram> || label != "le")) << name_ << ": \"le\" is reserved";
  }
}

template <typename M>
M& Family<M>::WithLabels(const LabelValues& values) {
  CHECK_EQ(values.size(), label_names_.size()) << name_ << ": wrong number of label values";
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(values);
  if (it != series_.end()) return *it->second;
  const LabelValues* key = &values;
  LabelValues overflow;
  if (series_.size() >= kMaxSeriesPerFamily) {
    overflow.assign(label_names_.size(), "overflow");
    if (!overflow_logged_) {
      LOG(WARNING) << "metric " << name_ << " has " << series_.size()
                   << " label sets; further ones are counted under \"overflow\"";
      overflow_logged_ = true;
    }
    key = &overflow;
    it = series_.find(overflow);
    if (it != series_.end()) return *it->second;
  }
  std::unique_ptr<M> series;
  if constexpr (std::is_same_v<M, Histogram>) {
    series = std::make_unique<Histogram>(bounds_);
  } else {
    series = std::make_unique<M>();
  }
  return *series_.emplace(*key, std::move(series)).first->second;
}

template <typename M>
void Family<M>::Render(std::string* out) const {
  *out += "# HELP " + name_ + " " + EscapeHelp(help_) + "\n";
  *out += "# TYPE " + name_ + " " + TypeName(static_cast<const M*>(nullptr)) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, series] : series_) {
    AppendSeries(out, name_, LabelPairs(label_names_, values), *series);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename M>
Family<M>& Registry::Add(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<Family<M>*>(it->second.get());
    CHECK(existing != nullptr && existing->help() == help &&
          existing->label_names() == label_names && existing->bounds() == bounds)
        << "metric " << name << " registered twice with different definitions";
    return *existing;
  }
  auto family = std::make_unique<Family<M>>(name, help, std::move(label_names), std::move(bounds));
  Family<M>& ref = *family;
  families_.emplace(name, std::move(family));
  return ref;
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help) {
  return AddCounterFamily(name, help, {}).WithLabels({});
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help) {
  return AddGaugeFamily(name, help, {}).WithLabels({});
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> bounds) {
  return AddHistogramFamily(name, help, {}, std::move(bounds)).WithLabels({});
}

Family<Counter>& Registry::AddCounterFamily(const std::string& name, const std::string& help,
                                            std::vector<std::string> label_names) {
  return Add<Counter>(name, help, std::move(label_names), {});
}

Family<Gauge>& Registry::AddGaugeFamily(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  return Add<Gauge>(name, help, std::move(label_names), {});
}

Family<Histogram>& Registry::AddHistogramFamily(const std::string& name, const std::string& help,
                                                std::vector<std::string> label_names,
                                                std::vector<double> bounds) {
  // Validate the bounds now rather than at the first WithLabels.
  Histogram check(bounds);
  return Add<Histogram>(name, help, std::move(label_names), std::move(bounds));
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) family->Render(&out);
  return out;
}

namespace {

// The text format escapes backslash and newline everywhere, and the double quote only inside a
// label value (HELP text is not quoted).
std::string Escape(const std::string& text, bool quoted) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quoted) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(const std::string& value) { return Escape(value, true); }
std::string EscapeHelp(const std::string& help) { return Escape(help, false); }

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integers below 2^53 are exact; print them plainly so counters read "1000000", not "1e+06".
  if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, end);
}

}  // namespace dracpu::metrics
