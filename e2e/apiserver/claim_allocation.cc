#include "e2e/apiserver/claim_allocation.h"

#include <glog/logging.h>

#include "e2e/apiserver/scheduler.h"

namespace dracpu::standin {

StatusOr<Json> AllocateAndReserve(ObjectStore& store, const std::string& ns,
                                  const std::string& name, const std::string& pod_name,
                                  const std::string& pod_uid, const std::string& node) {
  auto claim = store.Get("resourceclaims", ns, name);
  if (!claim.ok()) return claim.status();
  Json updated = *claim;
  const bool allocated = updated.has_field("status") && updated.at("status").is_object() &&
                         updated.at("status").has_field("allocation");
  if (!allocated) {
    SchedulerInput input;
    input.claim = *claim;
    input.node = node;
    FieldSelectorMatcher all;
    int64_t rv;
    input.slices = store.List("resourceslices", "", all, &rv);
    for (const auto& cls : store.List("deviceclasses", "", all, &rv)) {
      input.device_classes[cls.at("metadata").at("name").as_string()] = cls;
    }
    for (const auto& other : store.List("resourceclaims", "", all, &rv)) {
      if (other.at("metadata").at("uid") != claim->at("metadata").at("uid")) {
        input.other_claims.push_back(other);
      }
    }
    auto allocation = Allocate(input);
    if (!allocation.ok()) return allocation.status().Annotate("claim " + ns + "/" + name);
    updated["status"]["allocation"] = *allocation;
  }
  if (!pod_uid.empty()) {
    Json entry = Json::object();
    entry["resource"] = Json::string("pods");
    entry["name"] = Json::string(pod_name);
    entry["uid"] = Json::string(pod_uid);
    Json& reserved = updated["status"]["reservedFor"];
    bool present = false;
    if (reserved.is_array()) {
      for (const auto& r : reserved.as_array()) present = present || r.at("uid") == entry.at("uid");
    }
    if (!present) reserved[reserved.is_array() ? reserved.size() : 0] = entry;
  }
  auto stored = store.Update("resourceclaims", ns, name, updated, /*status_only=*/true);
  if (stored.ok()) {
    LOG(INFO) << "stand-in scheduler: claim " << ns << "/" << name
              << " allocated: " << stored->at("status").at("allocation").at("devices").serialize();
  }
  return stored;
}

}  // namespace dracpu::standin
