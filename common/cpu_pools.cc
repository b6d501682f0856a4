#include "common/cpu_pools.h"

#include <map>
#include <string>
#include <utility>

namespace dracpu {

std::map<std::string, ClaimOverlap> OverlappingClaims(const std::map<std::string, CpuSet>& claims) {
  std::map<std::string, ClaimOverlap> overlaps;
  // Disjoint claims, the normal case, need only a running union (this runs on every state
  // write); the owner of each CPU is looked up only when some claims do overlap.
  CpuSet seen;
  bool disjoint = true;
  for (const auto& [uid, cpus] : claims) {
    if (seen.Intersects(cpus)) {
      disjoint = false;
      break;
    }
    seen |= cpus;
  }
  if (disjoint) return overlaps;
  // One pass over every claimed CPU rather than comparing claims pairwise: first owner of each
  // CPU, in UID order.
  std::map<int, const std::string*> owner;
  for (const auto& [uid, cpus] : claims) {
    for (int cpu : cpus) {
      auto [it, first] = owner.emplace(cpu, &uid);
      if (first) continue;
      overlaps.try_emplace(*it->second, ClaimOverlap{uid, cpu});
      overlaps.try_emplace(uid, ClaimOverlap{*it->second, cpu});
    }
  }
  return overlaps;
}

std::string DescribeOverlap(const std::string& uid, const ClaimOverlap& overlap) {
  const bool in_order = uid < overlap.other;
  return "claims " + (in_order ? uid : overlap.other) + " and " + (in_order ? overlap.other : uid) +
         " both hold CPU " + std::to_string(overlap.cpu);
}

StatusOr<CpuSet> ExclusiveCpus(const AllocationState& state) {
  // The protobuf map iterates in no fixed order; an ordered copy keeps errors deterministic.
  std::map<std::string, CpuSet> claims;
  for (const auto& [uid, claim] : state.claims()) {
    StatusOr<CpuSet> cpus = CpuSet::Parse(claim.cpus());
    if (!cpus.ok()) return cpus.status().Annotate("claim " + uid + " cpus");
    claims.emplace(uid, std::move(*cpus));
  }
  std::map<std::string, ClaimOverlap> overlaps = OverlappingClaims(claims);
  if (!overlaps.empty()) {
    const auto& [uid, overlap] = *overlaps.begin();
    return Status::InvalidArgument(DescribeOverlap(uid, overlap));
  }
  CpuSet all;
  for (const auto& [uid, cpus] : claims) all |= cpus;
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
