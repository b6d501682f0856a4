#include "common/cpu_pools.h"

#include <map>
#include <string>

namespace dracpu {

StatusOr<CpuSet> ExclusiveCpus(const AllocationState& state) {
  CpuSet all;
  // Claim owning each CPU so far, to name both sides of an overlap. The protobuf map iterates
  // in no fixed order; an ordered copy keeps the error message deterministic.
  std::map<std::string, const ClaimAllocation*> claims;
  for (const auto& [uid, claim] : state.claims()) claims[uid] = &claim;
  std::map<int, std::string> owner;
  for (const auto& [uid, claim] : claims) {
    StatusOr<CpuSet> cpus = CpuSet::Parse(claim->cpus());
    if (!cpus.ok()) return cpus.status().Annotate("claim " + uid + " cpus");
    if (cpus->Intersects(all)) {
      int cpu = (*cpus & all).First();
      return Status::InvalidArgument("claims " + owner[cpu] + " and " + uid + " both hold CPU " +
                                     std::to_string(cpu));
    }
    for (int cpu : *cpus) owner[cpu] = uid;
    all |= *cpus;
  }
  return all;
}

CpuSet SharedPool(const CpuSet& online, const CpuSet& reserved, const CpuSet& exclusive) {
  return online - reserved - exclusive;
}

StatusOr<CpuPools> PoolsFromState(const AllocationState& state) {
  CpuPools pools;
  StatusOr<CpuSet> online = CpuSet::Parse(state.online_cpus());
  if (!online.ok()) return online.status().Annotate("state onlineCpus");
  StatusOr<CpuSet> reserved = CpuSet::Parse(state.reserved_cpus());
  if (!reserved.ok()) return reserved.status().Annotate("state reservedCpus");
  StatusOr<CpuSet> exclusive = ExclusiveCpus(state);
  if (!exclusive.ok()) return exclusive.status();
  pools.online = *online;
  pools.reserved = *reserved;
  pools.exclusive = *exclusive;
  pools.shared = SharedPool(pools.online, pools.reserved, pools.exclusive);
  return pools;
}

}  // namespace dracpu
