#include "e2e/apiserver/scheduler.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "e2e/apiserver/equality_selector.h"

namespace dracpu::standin {
namespace {

using Json = web::json::value;

const Json kNull = Json::null();

const Json& Field(const Json& obj, const char* key) {
  return obj.is_object() && obj.has_field(key) ? obj.at(key) : kNull;
}
std::string Str(const Json& obj, const char* key) {
  const Json& v = Field(obj, key);
  return v.is_string() ? v.as_string() : "";
}

struct Device {
  std::string driver, pool, node, name;
  Json attributes = Json::object();
  std::map<std::string, int64_t> capacity;  // milli
  bool multi = false;
  std::string Key() const { return driver + "/" + pool + "/" + name; }
};

struct Usage {
  std::set<std::string> exclusive;
  std::map<std::string, std::map<std::string, int64_t>> consumed;
};

struct Alternative {
  std::string result_name;
  std::vector<EqualitySelector> selectors;  // class + request
  bool all = false;
  int64_t count = 1;
  std::map<std::string, int64_t> capacity;  // milli per device
};

struct Request {
  std::string name;
  std::vector<Alternative> alternatives;
};

std::string Qualify(const std::string& driver, const std::string& key) {
  return key.find('/') == std::string::npos ? driver + "/" + key : key;
}

Status ParseDevices(const std::vector<Json>& slices, std::vector<Device>* out) {
  std::map<std::string, int64_t> top;  // driver/pool -> highest generation
  for (const auto& s : slices) {
    const Json& spec = Field(s, "spec");
    const Json& gen = Field(Field(spec, "pool"), "generation");
    const std::string key = Str(spec, "driver") + "/" + Str(Field(spec, "pool"), "name");
    const int64_t g = gen.is_number() ? gen.as_number().to_int64() : 0;
    if (!top.count(key) || top[key] < g) top[key] = g;
  }
  for (const auto& s : slices) {
    const Json& spec = Field(s, "spec");
    const Json& pool = Field(spec, "pool");
    const std::string driver = Str(spec, "driver");
    const Json& gen = Field(pool, "generation");
    if ((gen.is_number() ? gen.as_number().to_int64() : 0) !=
        top[driver + "/" + Str(pool, "name")]) {
      continue;
    }
    const Json& devices = Field(spec, "devices");
    if (!devices.is_array()) continue;
    for (const auto& d : devices.as_array()) {
      const Json& body = d.has_field("basic") ? d.at("basic") : d;  // v1beta1 wraps
      Device dev;
      dev.driver = driver;
      dev.pool = Str(pool, "name");
      dev.node = Str(spec, "nodeName");
      dev.name = Str(d, "name");
      if (body.has_field("attributes") && body.at("attributes").is_object()) {
        for (const auto& [k, v] : body.at("attributes").as_object()) {
          dev.attributes[Qualify(driver, k)] = v;
        }
      }
      if (body.has_field("capacity") && body.at("capacity").is_object()) {
        for (const auto& [k, v] : body.at("capacity").as_object()) {
          auto q = ParseQuantityMilli(Str(v, "value"));
          if (!q.ok()) return q.status().Annotate("device " + dev.name + " capacity " + k);
          dev.capacity[Qualify(driver, k)] = *q;
        }
      }
      dev.multi = Field(body, "allowMultipleAllocations").is_boolean() &&
                  body.at("allowMultipleAllocations").as_bool();
      out->push_back(std::move(dev));
    }
  }
  return Status::OK();
}

StatusOr<Alternative> ParseAlternative(const Json& r, const std::string& result_name,
                                       const std::map<std::string, Json>& classes) {
  Alternative alt;
  alt.result_name = result_name;
  const std::string class_name = Str(r, "deviceClassName");
  auto cls = classes.find(class_name);
  if (cls == classes.end()) {
    return Status::FailedPrecondition("DeviceClass \"" + class_name + "\" not found");
  }
  for (const Json* sels :
       {&Field(Field(cls->second, "spec"), "selectors"), &Field(r, "selectors")}) {
    if (!sels->is_array()) continue;
    for (const auto& sel : sels->as_array()) {
      auto parsed = EqualitySelector::Parse(Str(Field(sel, "cel"), "expression"));
      if (!parsed.ok()) return parsed.status();
      alt.selectors.push_back(std::move(parsed).value());
    }
  }
  const std::string mode = Str(r, "allocationMode");
  if (mode == "All") {
    alt.all = true;
  } else if (!mode.empty() && mode != "ExactCount") {
    return Status::InvalidArgument("allocationMode \"" + mode + "\" unknown");
  }
  if (Field(r, "count").is_number()) alt.count = r.at("count").as_number().to_int64();
  if (alt.count <= 0) return Status::InvalidArgument("count must be > 0");
  const Json& caps = Field(Field(r, "capacity"), "requests");
  if (caps.is_object()) {
    for (const auto& [k, v] : caps.as_object()) {
      auto q = ParseQuantityMilli(v.is_string() ? v.as_string() : v.serialize());
      if (!q.ok()) return q.status().Annotate("capacity request " + k);
      alt.capacity[k] = *q;
    }
  }
  return alt;
}

StatusOr<std::vector<Request>> ParseRequests(const Json& claim,
                                             const std::map<std::string, Json>& classes) {
  const Json& reqs = Field(Field(Field(claim, "spec"), "devices"), "requests");
  if (!reqs.is_array() || reqs.size() == 0) return Status::InvalidArgument("claim has no requests");
  std::vector<Request> out;
  for (const auto& r : reqs.as_array()) {
    Request req{Str(r, "name"), {}};
    if (Field(r, "firstAvailable").is_array()) {
      for (const auto& sub : r.at("firstAvailable").as_array()) {
        auto alt = ParseAlternative(sub, req.name + "/" + Str(sub, "name"), classes);
        if (!alt.ok()) return alt.status();
        req.alternatives.push_back(std::move(alt).value());
      }
    } else {
      // v1/v1beta2 nest the fields in `exactly`; v1beta1 has them on the request itself.
      auto alt = ParseAlternative(r.has_field("exactly") ? r.at("exactly") : r, req.name, classes);
      if (!alt.ok()) return alt.status();
      req.alternatives.push_back(std::move(alt).value());
    }
    out.push_back(std::move(req));
  }
  return out;
}

void AddUsage(const Json& claim, Usage* usage) {
  const Json& results =
      Field(Field(Field(Field(claim, "status"), "allocation"), "devices"), "results");
  if (!results.is_array()) return;
  for (const auto& r : results.as_array()) {
    const std::string key = Str(r, "driver") + "/" + Str(r, "pool") + "/" + Str(r, "device");
    const Json& consumed = Field(r, "consumedCapacity");
    if (!consumed.is_object()) {
      usage->exclusive.insert(key);
      continue;
    }
    for (const auto& [cap, q] : consumed.as_object()) {
      auto milli = ParseQuantityMilli(q.is_string() ? q.as_string() : "0");
      if (milli.ok()) usage->consumed[key][cap] += *milli;
    }
  }
}

std::string NewShareId() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  char buf[40];
  const uint64_t a = gen(), b = gen();
  std::snprintf(buf, sizeof(buf), "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a & 0xffff), static_cast<unsigned>((a >> 16) & 0xfff),
                static_cast<unsigned>(b >> 52),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

// Tries to take devices for one alternative; appends results and updates `usage` on success.
bool TakeDevices(const Alternative& alt, const std::vector<const Device*>& devices, Usage* usage,
                 Json* results) {
  Usage trial = *usage;
  std::vector<Json> taken;
  for (const Device* d : devices) {
    if (!alt.all && static_cast<int64_t>(taken.size()) == alt.count) break;
    bool ok = true;
    for (const auto& sel : alt.selectors) ok = ok && sel.Matches(d->driver, d->attributes);
    for (const auto& [cap, amount] : alt.capacity) {
      ok = ok && d->capacity.count(cap) && d->capacity.at(cap) >= amount;
    }
    if (!ok || trial.exclusive.count(d->Key())) continue;
    Json result = Json::object();
    result["request"] = Json::string(alt.result_name);
    result["driver"] = Json::string(d->driver);
    result["pool"] = Json::string(d->pool);
    result["device"] = Json::string(d->name);
    if (d->multi) {
      auto& used = trial.consumed[d->Key()];
      Json consumed = Json::object();
      for (const auto& [cap, total] : d->capacity) {
        const int64_t want = alt.capacity.count(cap) ? alt.capacity.at(cap) : total;
        ok = ok && used[cap] + want <= total;
        consumed[cap] = Json::string(FormatQuantityMilli(want));
      }
      if (!ok) continue;
      for (const auto& [cap, total] : d->capacity) {
        used[cap] += alt.capacity.count(cap) ? alt.capacity.at(cap) : total;
      }
      result["shareID"] = Json::string(NewShareId());
      result["consumedCapacity"] = consumed;
    } else {
      if (trial.consumed.count(d->Key())) continue;
      trial.exclusive.insert(d->Key());
    }
    taken.push_back(result);
  }
  if (taken.empty() || (!alt.all && static_cast<int64_t>(taken.size()) < alt.count)) return false;
  for (auto& r : taken) (*results)[results->size()] = r;
  *usage = trial;
  return true;
}

}  // namespace

StatusOr<int64_t> ParseQuantityMilli(const std::string& text) {
  size_t end = 0;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  if (end == 0 || end > 15) return Status::InvalidArgument("quantity \"" + text + "\" unsupported");
  const int64_t n = std::stoll(text.substr(0, end));
  const std::string suffix = text.substr(end);
  static const std::map<std::string, int64_t> kMilli = {
      {"", 1000}, {"m", 1}, {"k", 1000000}, {"M", 1000000000}, {"Ki", 1024000}, {"Mi", 1048576000}};
  auto it = kMilli.find(suffix);
  if (it == kMilli.end()) return Status::InvalidArgument("quantity \"" + text + "\" unsupported");
  return n * it->second;
}

std::string FormatQuantityMilli(int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

StatusOr<Json> Allocate(const SchedulerInput& input) {
  auto requests = ParseRequests(input.claim, input.device_classes);
  if (!requests.ok()) return requests.status();
  std::vector<Device> devices;
  DRACPU_RETURN_IF_ERROR(ParseDevices(input.slices, &devices));
  Usage base;
  for (const auto& other : input.other_claims) AddUsage(other, &base);

  // One optional matchAttribute constraint: try each of its values in turn.
  std::string match_attr;
  std::set<std::string> constrained;
  const Json& constraints = Field(Field(Field(input.claim, "spec"), "devices"), "constraints");
  if (constraints.is_array() && constraints.size() > 0) {
    if (constraints.size() > 1) return Status::InvalidArgument("stand-in: one constraint at most");
    match_attr = Str(constraints.at(0), "matchAttribute");
    if (match_attr.empty()) return Status::InvalidArgument("stand-in: only matchAttribute");
    const Json& names = Field(constraints.at(0), "requests");
    if (names.is_array()) {
      for (const auto& n : names.as_array()) constrained.insert(n.as_string());
    }
  }
  std::vector<std::string> nodes;
  for (const auto& d : devices) {
    if ((input.node.empty() || d.node == input.node) &&
        std::find(nodes.begin(), nodes.end(), d.node) == nodes.end()) {
      nodes.push_back(d.node);
    }
  }
  for (const auto& node : nodes) {
    std::vector<std::optional<Json>> values{std::nullopt};
    if (!match_attr.empty()) {
      values.clear();
      for (const auto& d : devices) {
        if (d.node != node || !d.attributes.has_field(match_attr)) continue;
        Json v = AttributeValue(d.attributes.at(match_attr));
        bool seen = false;
        for (const auto& x : values) seen = seen || SameValue(*x, v);
        if (!seen) values.push_back(v);
      }
    }
    for (const auto& value : values) {
      Usage usage = base;
      Json results = Json::array();
      bool all_ok = true;
      for (const auto& req : *requests) {
        const bool bound = value && (constrained.empty() || constrained.count(req.name));
        std::vector<const Device*> pool;
        for (const auto& d : devices) {
          if (d.node != node) continue;
          if (bound && !(d.attributes.has_field(match_attr) &&
                         SameValue(AttributeValue(d.attributes.at(match_attr)), *value))) {
            continue;
          }
          pool.push_back(&d);
        }
        bool placed = false;
        for (const auto& alt : req.alternatives) {
          if (TakeDevices(alt, pool, &usage, &results)) {
            placed = true;
            break;
          }
        }
        if (!placed) {
          all_ok = false;
          break;
        }
      }
      if (!all_ok) continue;
      Json allocation = Json::object();
      allocation["devices"]["results"] = results;
      Json field = Json::object();
      field["key"] = Json::string("metadata.name");
      field["operator"] = Json::string("In");
      field["values"][0] = Json::string(node);
      allocation["nodeSelector"]["nodeSelectorTerms"][0]["matchFields"][0] = field;
      return allocation;
    }
  }
  return Status::ResourceExhausted("no node has devices for every request of the claim");
}

}  // namespace dracpu::standin
