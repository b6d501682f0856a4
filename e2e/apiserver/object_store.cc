#include "e2e/apiserver/object_store.h"

#include <ctime>
#include <random>

namespace dracpu::standin {
namespace {

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

std::string MetaString(const Json& object, const char* field) {
  if (!object.has_field("metadata")) return "";
  const Json& meta = object.at("metadata");
  if (!meta.is_object() || !meta.has_field(field) || !meta.at(field).is_string()) return "";
  return meta.at(field).as_string();
}

std::string Now() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string RandomSuffix(int length) {
  static const char kChars[] = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937 gen{std::random_device{}()};
  std::string out;
  for (int i = 0; i < length; ++i) out += kChars[gen() % (sizeof(kChars) - 1)];
  return out;
}

int64_t ObjectStore::BumpLocked(const std::string& resource, const std::string& ns,
                                const std::string& type, Json* object) {
  ++rv_;
  (*object)["metadata"]["resourceVersion"] = Json::string(std::to_string(rv_));
  history_.push_back({rv_, resource, ns, type, *object});
  if (history_.size() > 10000) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  cv_.notify_all();
  return rv_;
}

StatusOr<Json> ObjectStore::Create(const std::string& resource, const std::string& ns,
                                   Json object) {
  if (!object.is_object()) return Status::InvalidArgument("body is not an object");
  std::lock_guard<std::mutex> lock(mu_);
  auto& items = objects_[resource];
  std::string name = MetaString(object, "name");
  if (name.empty()) {
    const std::string prefix = MetaString(object, "generateName");
    if (prefix.empty()) return Status::InvalidArgument("metadata.name or generateName required");
    do {
      name = prefix + RandomSuffix(5);
    } while (items.count(Key(ns, name)));
  }
  if (items.count(Key(ns, name))) {
    return Status::AlreadyExists(resource + " \"" + name + "\" already exists");
  }
  Json& meta = object["metadata"];
  meta["name"] = Json::string(name);
  if (!ns.empty()) meta["namespace"] = Json::string(ns);
  char uid[40];
  std::snprintf(uid, sizeof(uid), "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++uid_counter_));
  meta["uid"] = Json::string(uid);
  meta["creationTimestamp"] = Json::string(Now());
  meta["generation"] = Json::number(1);
  BumpLocked(resource, ns, "ADDED", &object);
  items[Key(ns, name)] = object;
  return object;
}

StatusOr<Json> ObjectStore::Get(const std::string& resource, const std::string& ns,
                                const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto res = objects_.find(resource);
  if (res == objects_.end() || !res->second.count(Key(ns, name))) {
    return Status::NotFound(resource + " \"" + name + "\" not found");
  }
  return res->second.at(Key(ns, name));
}

StatusOr<Json> ObjectStore::Update(const std::string& resource, const std::string& ns,
                                   const std::string& name, Json object, bool status_only) {
  if (!object.is_object()) return Status::InvalidArgument("body is not an object");
  std::lock_guard<std::mutex> lock(mu_);
  auto& items = objects_[resource];
  auto it = items.find(Key(ns, name));
  if (it == items.end()) return Status::NotFound(resource + " \"" + name + "\" not found");
  const std::string sent_rv = MetaString(object, "resourceVersion");
  const std::string stored_rv = MetaString(it->second, "resourceVersion");
  if (!sent_rv.empty() && sent_rv != stored_rv) {
    return Status::Aborted("Operation cannot be fulfilled on " + resource + " \"" + name +
                           "\": the object has been modified; please apply your changes to the "
                           "latest version and try again");
  }
  Json updated = it->second;
  if (status_only) {
    if (object.has_field("status")) updated["status"] = object.at("status");
  } else {
    const bool spec_changed = object.has_field("spec") && (!updated.has_field("spec") ||
                                                           updated.at("spec") != object.at("spec"));
    Json meta = updated.at("metadata");
    if (object.has_field("metadata") && object.at("metadata").is_object()) {
      for (const auto& [key, value] : object.at("metadata").as_object()) {
        if (key != "uid" && key != "name" && key != "namespace" && key != "creationTimestamp" &&
            key != "generation" && key != "resourceVersion") {
          meta[key] = value;
        }
      }
    }
    if (object.has_field("spec")) updated["spec"] = object.at("spec");
    if (spec_changed) {
      meta["generation"] = Json::number(meta.at("generation").as_number().to_int64() + 1);
    }
    updated["metadata"] = meta;
  }
  BumpLocked(resource, ns, "MODIFIED", &updated);
  it->second = updated;
  return updated;
}

StatusOr<Json> ObjectStore::Delete(const std::string& resource, const std::string& ns,
                                   const std::string& name, const std::string& uid_precondition,
                                   const std::string& rv_precondition) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& items = objects_[resource];
  auto it = items.find(Key(ns, name));
  if (it == items.end()) return Status::NotFound(resource + " \"" + name + "\" not found");
  if ((!uid_precondition.empty() && uid_precondition != MetaString(it->second, "uid")) ||
      (!rv_precondition.empty() && rv_precondition != MetaString(it->second, "resourceVersion"))) {
    return Status::Aborted("Precondition failed deleting " + resource + " \"" + name + "\"");
  }
  Json last = it->second;
  items.erase(it);
  BumpLocked(resource, ns, "DELETED", &last);
  return last;
}

std::vector<Json> ObjectStore::List(const std::string& resource, const std::string& ns,
                                    const FieldSelectorMatcher& selector, int64_t* rv) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  if (rv) *rv = rv_;
  auto res = objects_.find(resource);
  if (res == objects_.end()) return out;
  for (const auto& [key, object] : res->second) {
    if (!ns.empty() && key.compare(0, ns.size() + 1, ns + "/") != 0) continue;
    if (selector.Matches(object)) out.push_back(object);
  }
  return out;
}

StatusOr<std::vector<StoredEvent>> ObjectStore::EventsAfter(
    int64_t rv, const std::string& resource, const std::string& ns,
    const FieldSelectorMatcher& selector) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (rv < compacted_rv_) {
    return Status::FailedPrecondition("too old resource version: " + std::to_string(rv) + " (" +
                                      std::to_string(compacted_rv_) + ")");
  }
  std::vector<StoredEvent> out;
  for (const auto& e : history_) {
    if (e.rv <= rv || e.resource != resource) continue;
    if (!ns.empty() && e.ns != ns) continue;
    if (selector.Matches(e.object)) out.push_back(e);
  }
  return out;
}

void ObjectStore::WaitForChange(int64_t rv, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t wakes = wakes_;
  cv_.wait_until(lock, deadline, [&] { return rv_ > rv || wakes_ != wakes; });
}

void ObjectStore::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  ++wakes_;
  cv_.notify_all();
}

void ObjectStore::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
  ++wakes_;
  cv_.notify_all();
}

int64_t ObjectStore::CurrentRv() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

}  // namespace dracpu::standin
