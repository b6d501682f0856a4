// Start-up reconciliation of the driver's two checkpoints, the state file and the CDI folder
// (design.md §2, §5), before the driver registers with the kubelet.
//
//   1. Temp files of an interrupted CDI write are deleted; every spec file of ours is read
//      (one that does not read back is removed: the runtime could not use it either).
//   2. In one state Update:
//      - claims written by another boot are dropped (their containers died with that boot),
//        logged as `state file from another boot: dropping <n> claims`;
//      - a Preparing claim (a crash inside Prepare) is promoted to Prepared when its CDI file
//        holds exactly its CPUs (only the last state write was lost), else dropped: the
//        kubelet never got an answer for it, so no container uses those CPUs, and its retry
//        prepares the claim again;
//      - node name, online, reserved and allocatable CPUs are (re)written.
//   3. The CDI folder is made to match: spec files of claims not in the state are removed
//      (orphans), Prepared claims whose file is missing or different get it rewritten.
//
// Corrupt state file. StateStore moves it aside; the driver then rebuilds what it can from
// the CDI files: every readable spec becomes a Prepared claim with that spec's CPUs, so those
// CPUs stay exclusive and no other claim can be handed them. Its namespace, name, pods and
// devices are unknown (design.md §2 says "rebuild from the API server", but the driver's RBAC
// grants only `get` on resourceclaims, so it cannot find the claims allocated to this node; a
// CDI file is exactly one claim UID and its CPUs). They are filled in by the next
// NodePrepareResources of that claim, which reads the claim and keeps its CPUs
// (claim_preparation.h). Logged as `state file corrupt: kept aside as <path>; rebuilding`.

#ifndef DRACPU_DRIVER_APP_STARTUP_RECONCILE_H_
#define DRACPU_DRIVER_APP_STARTUP_RECONCILE_H_

#include <map>
#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/state_store.h"
#include "common/status.h"

namespace dracpu::driver {

// What the driver knows about its node at start-up.
struct NodeFacts {
  std::string node_name;
  std::string boot_id;
  CpuSet online;
  CpuSet reserved;
  CpuSet allocatable;
};

// What step 2 decided, and what step 3 must do to the CDI folder.
struct StateRepair {
  std::vector<std::string> dropped_other_boot;  // claim UIDs, sorted
  std::vector<std::string> promoted;            // Preparing -> Prepared
  std::vector<std::string> dropped_preparing;
  std::vector<std::string> remove_specs;      // CDI files to delete
  std::map<std::string, CpuSet> write_specs;  // CDI files to (re)write
};

// Pure: applies step 2 to `state` given the CDI specs found (claim UID -> CPUs) and returns the
// folder changes of step 3. A state claim whose cpulist does not parse is dropped with its file.
// REQUIRES: facts.boot_id non-empty.
StateRepair RepairState(AllocationState* state, const std::map<std::string, CpuSet>& specs,
                        const NodeFacts& facts);

// Pure: the driver's check of a state file's meaning (StateStore::Options::validate). Two
// claims holding one CPU are never legitimate (two containers would share it) and nothing in
// the file tells which one is real, so such a file, even with a good checksum (a hand edit
// that recomputed it, or a bug), counts as corrupt: kept aside and rebuilt from the CDI files.
// Corruption naming both claims and the CPU. A claim whose cpulist does not parse is left to
// RepairState (dropped with its file).
Status CheckClaimsDisjoint(const AllocationState& state);

// Pure: the claims rebuilt from CDI specs after a corrupt state file (see above).
void RebuildFromSpecs(AllocationState* state, const std::map<std::string, CpuSet>& specs);

struct StartupSummary {
  StateRepair repair;
  int stale_temp_files = 0;
  std::string corrupt_kept_as;  // non-empty when the state file was corrupt
  int claims = 0;               // in the state after reconciliation
};

// Steps 1-3 against `store` and `cdi_dir`. Errors: the state file cannot be read or written
// (e.g. FailedPrecondition for an apiVersion from a newer driver: refuse to start rather than
// overwrite it), or the CDI folder cannot be listed.
StatusOr<StartupSummary> ReconcileAtStartup(StateStore* store, const std::string& cdi_dir,
                                            const NodeFacts& facts);

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_STARTUP_RECONCILE_H_
