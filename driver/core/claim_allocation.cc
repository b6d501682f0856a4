#include "driver/core/claim_allocation.h"

#include "driver/core/api_version.h"
#include "driver/core/cpu_quantity.h"
#include "driver/core/device_catalog.h"
#include "driver/core/json_util.h"

namespace dracpu {

namespace {

StatusOr<ClaimResult> ParseResult(const web::json::value& r, const std::string& where) {
  ClaimResult out;
  std::optional<std::string> pool = JsonString(r, "pool");
  std::optional<std::string> device = JsonString(r, "device");
  if (!pool || pool->empty()) return Status::InvalidArgument(where + ": no pool");
  if (!device || device->empty()) return Status::InvalidArgument(where + ": no device");
  out.pool = *pool;
  out.device = *device;
  out.request = JsonString(r, "request").value_or("");
  out.share_id = JsonString(r, "shareID").value_or("");
  if (const web::json::value* admin = JsonField(r, "adminAccess"); admin && admin->is_boolean()) {
    out.admin_access = admin->as_bool();
  }
  if (const web::json::value* consumed = JsonField(r, "consumedCapacity")) {
    if (!consumed->is_object()) {
      return Status::InvalidArgument(where + ": consumedCapacity is not an object");
    }
    if (const web::json::value* cpu = JsonField(*consumed, kCpuCapacityName)) {
      StatusOr<int64_t> n = ParseWholeCpuQuantity(*cpu);
      if (!n.ok()) return n.status().Annotate(where + " (device " + out.device + ")");
      out.cpus = *n;
    }
  }
  return out;
}

}  // namespace

StatusOr<AllocatedClaim> ParseClaimAllocation(const web::json::value& claim) {
  if (!claim.is_object()) return Status::InvalidArgument("ResourceClaim is not a JSON object");
  if (JsonField(claim, "apiVersion") != nullptr) {
    StatusOr<ResourceApiVersion> version = VersionOfObject(claim);
    if (!version.ok()) return version.status().Annotate("ResourceClaim");
  }
  std::optional<std::string> kind = JsonString(claim, "kind");
  if (kind && *kind != "ResourceClaim") {
    return Status::InvalidArgument("object of kind " + *kind +
                                   " where a ResourceClaim was expected");
  }
  const web::json::value* metadata = JsonField(claim, "metadata");
  if (metadata == nullptr || !metadata->is_object()) {
    return Status::InvalidArgument("ResourceClaim has no metadata");
  }
  AllocatedClaim out;
  out.uid = JsonString(*metadata, "uid").value_or("");
  out.ns = JsonString(*metadata, "namespace").value_or("");
  out.name = JsonString(*metadata, "name").value_or("");
  const std::string label = "ResourceClaim " + out.ns + "/" + out.name;
  if (out.uid.empty()) return Status::InvalidArgument(label + " has no metadata.uid");
  if (out.name.empty()) return Status::InvalidArgument("ResourceClaim " + out.uid + " has no name");

  const web::json::value* allocation = JsonPath(claim, {"status", "allocation"});
  if (allocation == nullptr || allocation->is_null()) {
    return Status::FailedPrecondition(label + " (" + out.uid + ") is not allocated");
  }
  const web::json::value* results = JsonPath(*allocation, {"devices", "results"});
  if (results != nullptr && !results->is_array()) {
    return Status::InvalidArgument(label + ": status.allocation.devices.results is not a list");
  }
  for (size_t i = 0; results != nullptr && i < results->size(); ++i) {
    const web::json::value& r = results->at(i);
    if (JsonString(r, "driver").value_or("") != kDriverName) continue;
    StatusOr<ClaimResult> parsed =
        ParseResult(r, label + ": status.allocation.devices.results[" + std::to_string(i) + "]");
    if (!parsed.ok()) return parsed.status();
    out.results.push_back(std::move(parsed).value());
  }

  const web::json::value* reserved = JsonPath(claim, {"status", "reservedFor"});
  if (reserved != nullptr && !reserved->is_array()) {
    return Status::InvalidArgument(label + ": status.reservedFor is not a list");
  }
  for (size_t i = 0; reserved != nullptr && i < reserved->size(); ++i) {
    const web::json::value& consumer = reserved->at(i);
    if (JsonString(consumer, "resource").value_or("") != "pods") continue;
    if (!JsonString(consumer, "apiGroup").value_or("").empty()) continue;
    std::optional<std::string> uid = JsonString(consumer, "uid");
    if (!uid || uid->empty()) {
      return Status::InvalidArgument(label + ": status.reservedFor[" + std::to_string(i) +
                                     "] has no uid");
    }
    out.pod_uids.push_back(*uid);
  }
  return out;
}

StatusOr<AllocatedClaim> ParseClaimAllocationJson(std::string_view body) {
  StatusOr<web::json::value> v = ParseJson(body, "ResourceClaim");
  if (!v.ok()) return v.status();
  return ParseClaimAllocation(*v);
}

}  // namespace dracpu
