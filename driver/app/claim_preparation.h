// ClaimPreparation: the driver's ClaimPreparer (driver/kubelet/claim_preparer.h) over the state
// file, the CDI folder and the Kubernetes API.
//
// Prepare(claim), design.md §2-§4:
//   1. a claim already Prepared in the state file is answered from the state alone: the same
//      CPUs and devices, no API call, no new placement (its CDI file is rewritten if missing);
//   2. otherwise GET the ResourceClaim (no lock held), check its UID against the kubelet's,
//      keep the dra.cpu results;
//   3. one state Update: resolve the CPUs against every other claim in the file (a
//      Preparing claim's CPUs are promised too) and record the claim as Preparing with its
//      reservedFor pod UIDs;
//   4. write the CDI spec; on failure the Preparing entry is removed again;
//   5. one state Update: Preparing -> Prepared.
// A crash between 3 and 5 leaves a Preparing entry that startup_reconcile.h repairs.
// A claim with no dra.cpu result prepares to nothing (no state, no CDI file).
//
// Unprepare(claim): remove the CDI file first (if that fails the CPUs stay reserved: a
// container may still start with them), then the state entry. Unknown claims succeed.
//
// Errors a user can act on, with the words of docs/troubleshooting.md first:
//   "claim UID mismatch: ..."             the claim was deleted and re-created
//   "CPUs already exclusive: ..."         an individual device another claim holds
//   "group exhausted: ..."                not enough free CPUs in the group
//   "would leave the shared pool empty: ..."
// and the parse errors of claim_allocation.h (e.g. a fractional dra.cpu/cpu).
//
// Logging: one line per claim, `prepared claim <ns>/<name> uid=<uid> pods=<uids>
// cpus=<cpulist> latency=<ms>` or `prepare failed: claim <ns>/<name> uid=<uid>: <reason>`, and
// `unprepared claim <ns>/<name> uid=<uid> cpus=<cpulist>`.
//
// Not thread-safe: the kubelet adapter serialises calls (claim_preparer.h). The slice publisher
// and the HTTP endpoint never touch this object.

#ifndef DRACPU_DRIVER_APP_CLAIM_PREPARATION_H_
#define DRACPU_DRIVER_APP_CLAIM_PREPARATION_H_

#include <cpprest/json.h>

#include <chrono>
#include <functional>
#include <string>

#include "common/state_store.h"
#include "common/status.h"
#include "driver/app/driver_metrics.h"
#include "driver/core/claim_cpus.h"
#include "driver/core/device_catalog.h"
#include "driver/kubelet/claim_preparer.h"

namespace dracpu::driver {

// GETs the ResourceClaim ns/name and returns the object (the driver passes the kube client).
using ClaimFetcher =
    std::function<StatusOr<web::json::value>(const std::string& ns, const std::string& name)>;

struct ClaimPreparationOptions {
  std::string node_name;  // this node's pool
  std::string cdi_dir;
  const DeviceCatalog* catalog = nullptr;
  GroupCpuAllocator allocate;  // grouped mode
  StateStore* store = nullptr;
  ClaimFetcher fetch_claim;
  DriverMetrics* metrics = nullptr;  // optional
  // Called when the state file turns out corrupt while serving (the driver passes the start-up
  // reconciliation, which keeps the file aside and rebuilds it from the CDI files); the call
  // is then tried once more. Empty = the Corruption error is returned.
  std::function<Status()> recover_state;
};

class ClaimPreparation final : public kubelet::ClaimPreparer {
 public:
  // REQUIRES: catalog, store and fetch_claim set and outliving this object.
  explicit ClaimPreparation(ClaimPreparationOptions options);

  StatusOr<kubelet::PrepareResult> Prepare(const kubelet::ClaimRef& claim) override;
  Status Unprepare(const kubelet::ClaimRef& claim) override;

  // Recomputes the pool gauges from the state file (after start-up repairs it).
  void RefreshPoolMetrics();

 private:
  struct Prepared;  // what one successful prepare produced
  // Adds the time it waits for the API server to *api_time.
  StatusOr<Prepared> DoPrepare(const kubelet::ClaimRef& claim,
                               std::chrono::steady_clock::duration* api_time);
  // Runs recover_state when `status` is Corruption; true when the caller should retry.
  bool Recovered(const Status& status);
  StatusOr<Prepared> FromState(const kubelet::ClaimRef& claim);
  Status DoUnprepare(const kubelet::ClaimRef& claim, std::string* label, std::string* cpus);
  // Sets the pool gauges from `state` (called inside the state update that changed it, so no
  // extra read of the file is needed).
  void PublishPools(const AllocationState& state) const;

  const ClaimPreparationOptions options_;
};

// Puts the troubleshooting.md keyword in front of a resolution error (see above); other
// errors are returned unchanged. Exposed for tests.
Status WithUserReason(const Status& status);

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_CLAIM_PREPARATION_H_
