// Which CPUs a claim gets: pure mapping from allocation results to a CpuSet.
//
// individual mode: each result names a device; the claim gets the devices' CPUs.
// grouped mode:    each result is a share of a group device; the claim gets
//                  consumedCapacity["dra.cpu/cpu"] CPUs placed inside that group by the
//                  allocator callback, chosen among the group's CPUs no other claim holds.
//                  A result without consumedCapacity is a whole-device allocation (clusters
//                  where the DRAConsumableCapacity gate is off): the claim gets the group.
// Either way the answer never contains a CPU in `held_by_other_claims`, and never takes the
// last CPU of the shared pool (allocatable - held - this claim must stay non-empty: every
// container without a claim runs there, design.md §4).
//
// Idempotence is the caller's: a claim already in the state file must be answered from the
// state, not resolved again (grouped placement may differ on a second call).
//
// Errors (the message is meant for the user who wrote the claim):
//   FailedPrecondition  a result from another node's pool; a device this node does not publish
//                       (stale allocation or changed layout); a CPU already exclusive to
//                       another claim; a claim that would empty the shared pool
//   ResourceExhausted   a group without enough free CPUs for the share
//   InvalidArgument     a grouped result for 0 CPUs; the same individual device twice
//   Internal            the allocator broke its contract (wrong size, CPUs outside `free`)

#ifndef DRACPU_DRIVER_CORE_CLAIM_CPUS_H_
#define DRACPU_DRIVER_CORE_CLAIM_CPUS_H_

#include <functional>
#include <string_view>

#include "common/cpuset.h"
#include "common/status.h"
#include "driver/core/claim_allocation.h"
#include "driver/core/device_catalog.h"

namespace dracpu {

// Picks `count` CPUs out of `free` (a subset of `group_cpus`), topology-aware.
// Contract: returns exactly `count` CPUs, all in `free`, or an error.
using GroupCpuAllocator =
    std::function<StatusOr<CpuSet>(const CpuSet& group_cpus, const CpuSet& free, int count)>;

struct ClaimCpuContext {
  const DeviceCatalog* catalog = nullptr;
  std::string_view pool_name;   // this node's pool (= node name)
  CpuSet held_by_other_claims;  // union of every other prepared claim's CPUs
  GroupCpuAllocator allocate;   // used in grouped mode only
};

// REQUIRES: context.catalog != nullptr; context.allocate set when the catalog is grouped.
// An allocation with no dra.cpu result resolves to the empty set (nothing to prepare).
StatusOr<CpuSet> ResolveClaimCpus(const AllocatedClaim& claim, const ClaimCpuContext& context);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_CLAIM_CPUS_H_
