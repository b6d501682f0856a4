// ClaimBatch: runs one NodePrepareResources / NodeUnprepareResources batch against a
// ClaimPreparer, version-neutral and free of gRPC, so the rules are unit-tested with plain
// values:
//   - every requested claim UID gets an outcome, even a malformed claim (empty UID: the
//     error is keyed by ""), so the kubelet never sees "skipped N ResourceClaims";
//   - a failure, or an exception escaping the preparer, becomes that claim's error only;
//   - a UID listed twice in one batch is handled once;
//   - batches run one at a time (the kubelet may call v1 and v1beta1 concurrently after a
//     re-registration; the preparer is not required to be reentrant);
//   - one log line per claim: api version, namespace/name, uid, result, latency.

#ifndef DRACPU_DRIVER_KUBELET_CLAIM_BATCH_H_
#define DRACPU_DRIVER_KUBELET_CLAIM_BATCH_H_

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "driver/kubelet/claim_preparer.h"

namespace dracpu::kubelet {

class ClaimBatch {
 public:
  // REQUIRES: preparer outlives this object.
  explicit ClaimBatch(ClaimPreparer* preparer) : preparer_(preparer) {}

  // `api` ("v1", "v1beta1") only labels the log lines.
  std::map<std::string, ClaimOutcome> PrepareAll(const std::vector<ClaimRef>& claims,
                                                 std::string_view api);

  // Error message per claim UID; "" = unprepared (or never known).
  std::map<std::string, std::string> UnprepareAll(const std::vector<ClaimRef>& claims,
                                                  std::string_view api);

 private:
  ClaimOutcome PrepareOne(const ClaimRef& claim);
  std::string UnprepareOne(const ClaimRef& claim);

  ClaimPreparer* const preparer_;
  std::mutex mu_;  // serialises batches
};

// "ns/name (uid u)" for log lines and error messages.
std::string DescribeClaim(const ClaimRef& claim);

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_CLAIM_BATCH_H_
