#include "driver/app/startup_reconcile.h"

#include <glog/logging.h>

#include <algorithm>

#include "common/boot_id.h"
#include "common/cpu_pools.h"
#include "driver/core/cdi.h"

namespace dracpu::driver {
namespace {

using StateClaim = ::dracpu::state::v1::ClaimAllocation;

// Every readable spec file of ours; unreadable ones are removed (logged), as the runtime
// could not apply them either.
StatusOr<std::map<std::string, CpuSet>> ReadSpecs(const std::string& cdi_dir) {
  StatusOr<std::vector<std::string>> uids = cdi::ListClaimUids(cdi_dir);
  if (!uids.ok()) return uids.status().Annotate("listing CDI folder " + cdi_dir);
  std::map<std::string, CpuSet> specs;
  for (const std::string& uid : *uids) {
    StatusOr<CpuSet> cpus = cdi::ReadSpec(cdi_dir, uid);
    if (cpus.ok()) {
      specs[uid] = *cpus;
      continue;
    }
    LOG(WARNING) << "CDI spec of claim " << uid << " unreadable (" << cpus.status()
                 << "); removing it";
    Status removed = cdi::RemoveSpec(cdi_dir, uid);
    if (!removed.ok()) LOG(ERROR) << "removing CDI spec of claim " << uid << ": " << removed;
  }
  return specs;
}

// "... (moved aside to <path>; ...)" -> <path>, as StateStore::Update words it.
std::string AsidePath(const std::string& message) {
  const std::string marker = "moved aside to ";
  size_t at = message.find(marker);
  if (at == std::string::npos) return "<unknown>";
  at += marker.size();
  return message.substr(at, message.find(';', at) - at);
}

void SetNodeFacts(AllocationState* state, const NodeFacts& facts) {
  state->set_node_name(facts.node_name);
  state->set_online_cpus(facts.online.ToString());
  state->set_reserved_cpus(facts.reserved.ToString());
  state->set_allocatable_cpus(facts.allocatable.ToString());
}

}  // namespace

StateRepair RepairState(AllocationState* state, const std::map<std::string, CpuSet>& specs,
                        const NodeFacts& facts) {
  StateRepair repair;
  repair.dropped_other_boot = DropClaimsOfOtherBoot(state, facts.boot_id);
  SetNodeFacts(state, facts);

  std::vector<std::string> drop;
  for (auto& [uid, claim] : *state->mutable_claims()) {
    StatusOr<CpuSet> cpus = CpuSet::Parse(claim.cpus());
    auto spec = specs.find(uid);
    const bool spec_matches = cpus.ok() && spec != specs.end() && spec->second == *cpus;
    if (!cpus.ok() || cpus->Empty()) {
      LOG(ERROR) << "state file claim " << uid << " has bad cpus \"" << claim.cpus()
                 << "\"; dropping it";
      drop.push_back(uid);
    } else if (claim.phase() == StateClaim::PREPARED) {
      if (!spec_matches) repair.write_specs[uid] = *cpus;
    } else if (spec_matches) {
      claim.set_phase(StateClaim::PREPARED);
      repair.promoted.push_back(uid);
    } else {
      drop.push_back(uid);
      repair.dropped_preparing.push_back(uid);
    }
  }
  for (const std::string& uid : drop) state->mutable_claims()->erase(uid);
  std::sort(repair.promoted.begin(), repair.promoted.end());
  std::sort(repair.dropped_preparing.begin(), repair.dropped_preparing.end());
  for (const auto& [uid, cpus] : specs) {
    if (state->claims().count(uid) == 0) repair.remove_specs.push_back(uid);
  }
  return repair;
}

Status CheckClaimsDisjoint(const AllocationState& state) {
  // Ordered by UID, so the message names the same pair every time.
  std::map<std::string, CpuSet> claims;
  for (const auto& [uid, claim] : state.claims()) {
    StatusOr<CpuSet> cpus = CpuSet::Parse(claim.cpus());
    if (cpus.ok()) claims.emplace(uid, std::move(*cpus));
  }
  const std::map<std::string, ClaimOverlap> overlaps = OverlappingClaims(claims);
  if (overlaps.empty()) return Status::OK();
  const auto& [uid, overlap] = *overlaps.begin();
  return Status::Corruption(DescribeOverlap(uid, overlap));
}

void RebuildFromSpecs(AllocationState* state, const std::map<std::string, CpuSet>& specs) {
  CpuSet taken;
  for (const auto& [uid, cpus] : specs) {
    // Two files claiming one CPU cannot both be honoured; the first (by UID) keeps it and
    // the other is left out, so RepairState removes its file.
    if (cpus.Intersects(taken)) {
      LOG(ERROR) << "CDI spec of claim " << uid << " overlaps another claim's CPUs; not rebuilt";
      continue;
    }
    taken |= cpus;
    StateClaim claim;
    claim.set_uid(uid);
    claim.set_cpus(cpus.ToString());
    claim.set_phase(StateClaim::PREPARED);
    (*state->mutable_claims())[uid] = std::move(claim);
  }
}

StatusOr<StartupSummary> ReconcileAtStartup(StateStore* store, const std::string& cdi_dir,
                                            const NodeFacts& facts) {
  StartupSummary summary;
  StatusOr<int> temps = cdi::RemoveStaleTempFiles(cdi_dir);
  if (!temps.ok()) return temps.status().Annotate("cleaning CDI folder " + cdi_dir);
  summary.stale_temp_files = *temps;
  StatusOr<std::map<std::string, CpuSet>> specs = ReadSpecs(cdi_dir);
  if (!specs.ok()) return specs.status();

  bool rebuild = false;
  auto repair = [&](AllocationState* state) {
    if (rebuild) {
      state->clear_claims();
      state->set_boot_id(facts.boot_id);
      RebuildFromSpecs(state, *specs);
    }
    summary.repair = RepairState(state, *specs, facts);
    summary.claims = state->claims_size();
    return Status::OK();
  };
  Status updated = store->Update(repair);
  if (updated.code() == Status::Code::kCorruption) {
    summary.corrupt_kept_as = AsidePath(updated.message());
    LOG(ERROR) << "state file corrupt: kept aside as " << summary.corrupt_kept_as
               << "; rebuilding from " << specs->size() << " CDI spec files in " << cdi_dir << " ("
               << updated.message() << ")";
    rebuild = true;
    updated = store->Update(repair);
  }
  if (!updated.ok()) return updated.Annotate("reconciling the state file");

  const StateRepair& r = summary.repair;
  if (!r.dropped_other_boot.empty()) {
    LOG(WARNING) << "state file from another boot: dropping " << r.dropped_other_boot.size()
                 << " claims";
  }
  for (const std::string& uid : r.promoted) {
    LOG(WARNING) << "claim uid=" << uid << " was Preparing with its CDI spec written; now Prepared";
  }
  for (const std::string& uid : r.dropped_preparing) {
    LOG(WARNING) << "claim uid=" << uid << " was Preparing at the last stop; dropped (the kubelet "
                 << "prepares it again)";
  }
  for (const std::string& uid : r.remove_specs) {
    LOG(WARNING) << "removing orphaned CDI spec of claim uid=" << uid;
    Status removed = cdi::RemoveSpec(cdi_dir, uid);
    if (!removed.ok()) return removed.Annotate("removing orphaned CDI spec");
  }
  for (const auto& [uid, cpus] : r.write_specs) {
    LOG(WARNING) << "rewriting missing CDI spec of claim uid=" << uid
                 << " cpus=" << cpus.ToString();
    DRACPU_RETURN_IF_ERROR(cdi::WriteSpec(cdi_dir, uid, cpus));
  }
  LOG(INFO) << "state reconciled: claims=" << summary.claims
            << " dropped_other_boot=" << r.dropped_other_boot.size()
            << " removed_specs=" << r.remove_specs.size()
            << " rewritten_specs=" << r.write_specs.size();
  return summary;
}

}  // namespace dracpu::driver
