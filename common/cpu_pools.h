// The CPU pools of design.md §4, as pure arithmetic shared by the driver (which must keep the
// shared pool non-empty when it prepares a claim) and the nri-plugin (which confines every
// container without a claim to the shared pool).
//
//   exclusive = union of the cpusets of every claim in the state, whatever its phase (a
//               Preparing claim's CPUs are already promised to it)
//   shared    = online - reserved - exclusive
//
// Claims never share a CPU (two containers would get it). OverlappingClaims is the one place
// that rule is checked; each caller decides how to refuse: ExclusiveCpus refuses the whole
// state, the nri-plugin's CpuPolicy refuses containers that name an overlapping claim.

#ifndef DRACPU_COMMON_CPU_POOLS_H_
#define DRACPU_COMMON_CPU_POOLS_H_

#include <map>
#include <string>

#include "common/cpuset.h"
#include "common/state_codec.h"
#include "common/status.h"

namespace dracpu {

struct CpuPools {
  CpuSet online;
  CpuSet reserved;
  CpuSet exclusive;
  CpuSet shared;
};

// Another claim holding `cpu` too.
struct ClaimOverlap {
  std::string other;
  int cpu = -1;
};

// For every claim (by UID) that shares a CPU with another claim: one such claim and CPU,
// chosen deterministically. Empty when the claims are disjoint; an empty cpuset overlaps
// nothing.
std::map<std::string, ClaimOverlap> OverlappingClaims(const std::map<std::string, CpuSet>& claims);

// "claims <a> and <b> both hold CPU <n>", the two UIDs in sorted order.
std::string DescribeOverlap(const std::string& uid, const ClaimOverlap& overlap);

// Union of the claims' cpusets. InvalidArgument naming the claim when a cpulist is malformed,
// and naming both claims when two claims share a CPU (never legitimate: two containers would
// get one CPU; the caller decides how loudly to refuse).
StatusOr<CpuSet> ExclusiveCpus(const AllocationState& state);

CpuSet SharedPool(const CpuSet& online, const CpuSet& reserved, const CpuSet& exclusive);

// All pools from the state's own online and reserved fields. InvalidArgument naming the field
// on a malformed cpulist.
StatusOr<CpuPools> PoolsFromState(const AllocationState& state);

}  // namespace dracpu

#endif  // DRACPU_COMMON_CPU_POOLS_H_
