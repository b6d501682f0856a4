// ClaimPreparer: the business logic behind NodePrepareResources / NodeUnprepareResources,
// and the version-neutral values the kubelet plugin passes to it.
//
// The gRPC adapter (kubelet_plugin.h) owns everything about the wire: both API versions, the
// response map keyed by claim UID, per-claim errors, logging, serialisation of calls. An
// implementation only answers for one claim at a time.
//
// Contract for implementations:
//   - Prepare is idempotent: preparing a prepared claim returns the same devices and OK.
//   - Unprepare is idempotent: an unknown or already unprepared claim is OK.
//   - A failure is a non-OK Status whose message a user can act on; it lands in that claim's
//     `error` field only, the rest of the batch goes on.
//   - Calls are serialised by the adapter (one claim at a time, never concurrently), so an
//     implementation needs no locking of its own against itself.
//   - Exceptions are caught at the adapter and reported as that claim's error, but an
//     implementation should not throw.

#ifndef DRACPU_DRIVER_KUBELET_CLAIM_PREPARER_H_
#define DRACPU_DRIVER_KUBELET_CLAIM_PREPARER_H_

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::kubelet {

// One ResourceClaim as the kubelet names it.
struct ClaimRef {
  std::string namespace_;  // metadata.namespace ("namespace" is a keyword)
  std::string name;        // metadata.name
  std::string uid;         // metadata.uid: the key of every response map

  bool operator==(const ClaimRef&) const = default;
};

// One allocated device of a claim and the CDI devices that make it available.
struct PreparedDevice {
  // Base request names (no "/<subrequest>") this device serves; empty = all requests.
  std::vector<std::string> request_names;
  std::string pool_name;                    // allocation result `pool`
  std::string device_name;                  // allocation result `device`
  std::vector<std::string> cdi_device_ids;  // "vendor/class=name"
  // Allocation result shareID for consumable-capacity devices; sent on v1 only (kubelet 1.35+).
  std::optional<std::string> share_id;

  bool operator==(const PreparedDevice&) const = default;
};

// What the kubelet gets back for one claim: devices, or an error message.
struct ClaimOutcome {
  std::vector<PreparedDevice> devices;
  std::string error;       // non-empty = failed; devices are then ignored by the kubelet
  std::string log_detail;  // from PrepareResult; never sent

  bool ok() const { return error.empty(); }
};

// A successful Prepare.
struct PrepareResult {
  std::vector<PreparedDevice> devices;
  // Appended to the adapter's one log line for the claim: what an operator greps for that only
  // the preparer knows, e.g. "cpus=0-3,64-67 pods=<uid>".
  std::string log_detail;
};

class ClaimPreparer {
 public:
  virtual ~ClaimPreparer() = default;

  // Makes the claim's devices ready (state, CDI spec) and returns them.
  virtual StatusOr<PrepareResult> Prepare(const ClaimRef& claim) = 0;

  // Releases what Prepare set up. OK for a claim this node does not know.
  virtual Status Unprepare(const ClaimRef& claim) = 0;
};

// A device the driver publishes, as the health service names it.
struct DeviceId {
  std::string pool_name;
  std::string device_name;

  bool operator==(const DeviceId&) const = default;
};

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_CLAIM_PREPARER_H_
