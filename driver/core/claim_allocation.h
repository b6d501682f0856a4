// What the driver reads from a ResourceClaim at NodePrepareResources: pure parsing.
//
// From a claim object (resource.k8s.io v1, v1beta2 or v1beta1; the status the driver reads is
// identical in all three, resource-api.md §4.7) this extracts the identity, the pods the claim
// is reserved for, and the allocation results that belong to dra.cpu (other drivers' results
// are skipped: a claim may mix devices of several drivers). Errors name the claim and the
// field so that an operator can act on them:
//   InvalidArgument      malformed claim (missing uid, a dra.cpu result without pool/device,
//                        a consumedCapacity that is not a whole CPU count)
//   FailedPrecondition   the claim is not allocated (no status.allocation)

#ifndef DRACPU_DRIVER_CORE_CLAIM_ALLOCATION_H_
#define DRACPU_DRIVER_CORE_CLAIM_ALLOCATION_H_

#include <cpprest/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dracpu {

struct ClaimResult {
  std::string request;  // "<request>" or "<request>/<subrequest>"
  std::string pool;
  std::string device;
  std::string share_id;  // set for shares of a multi-allocatable (grouped) device
  // consumedCapacity["dra.cpu/cpu"] as a whole CPU count; absent for individual devices.
  std::optional<int64_t> cpus;
  bool admin_access = false;
};

struct AllocatedClaim {
  std::string uid;
  std::string ns;
  std::string name;
  // status.reservedFor entries that are pods (resource "pods", core group), in order.
  std::vector<std::string> pod_uids;
  // Only the results whose driver is dra.cpu, in order. May be empty.
  std::vector<ClaimResult> results;
};

// REQUIRES: `claim` is a parsed JSON value (any shape; nothing here throws).
StatusOr<AllocatedClaim> ParseClaimAllocation(const web::json::value& claim);
// The same from the HTTP body text; Corruption when it is not JSON.
StatusOr<AllocatedClaim> ParseClaimAllocationJson(std::string_view body);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_CLAIM_ALLOCATION_H_
