#include "driver/core/claim_cpus.h"

#include <set>
#include <string>

namespace dracpu {

namespace {

std::string ClaimLabel(const AllocatedClaim& claim) {
  return "claim " + claim.ns + "/" + claim.name + " (" + claim.uid + ")";
}

Status CheckNotHeld(const AllocatedClaim& claim, const CpuDevice& device, const CpuSet& held) {
  CpuSet taken = device.cpus & held;
  if (taken.Empty()) return Status::OK();
  return Status::FailedPrecondition(
      ClaimLabel(claim) + ": device " + device.name + " (CPU " + device.cpus.ToString() +
      ") is already exclusive to another " +
      "claim; delete and re-create the claim so it is allocated again");
}

StatusOr<CpuSet> PlaceShare(const AllocatedClaim& claim, const ClaimResult& result,
                            const CpuDevice& device, const ClaimCpuContext& context,
                            const CpuSet& chosen) {
  // No consumedCapacity means the scheduler allocated the device as a whole (the
  // DRAConsumableCapacity gate is off and the server dropped allowMultipleAllocations).
  const int64_t count = result.cpus.value_or(device.cpus.Size());
  if (count <= 0) {
    return Status::InvalidArgument(ClaimLabel(claim) + ": requests 0 CPUs from " + device.name);
  }
  const CpuSet free = device.cpus - context.held_by_other_claims - chosen;
  if (free.Size() < count) {
    return Status::ResourceExhausted(
        ClaimLabel(claim) + ": " + device.name + " has " + std::to_string(free.Size()) +
        " free CPUs (" + std::to_string(device.cpus.Size()) + " allocatable, the rest held by " +
        "other claims) but the claim needs " + std::to_string(count));
  }
  StatusOr<CpuSet> placed = context.allocate(device.cpus, free, static_cast<int>(count));
  if (!placed.ok()) return placed.status().Annotate(ClaimLabel(claim) + " on " + device.name);
  if (placed->Size() != count || !placed->IsSubsetOf(free)) {
    return Status::Internal("allocator returned " + placed->ToString() + " for " +
                            std::to_string(count) + " CPUs out of free " + free.ToString());
  }
  return placed;
}

}  // namespace

StatusOr<CpuSet> ResolveClaimCpus(const AllocatedClaim& claim, const ClaimCpuContext& context) {
  const DeviceCatalog& catalog = *context.catalog;
  const bool grouped = catalog.layout().mode == CpuDeviceMode::kGrouped;
  CpuSet chosen;
  std::set<std::string> seen;
  for (const ClaimResult& result : claim.results) {
    if (result.pool != context.pool_name) {
      return Status::FailedPrecondition(ClaimLabel(claim) + ": device " + result.device +
                                        " comes from pool " + result.pool + ", this node is " +
                                        std::string(context.pool_name));
    }
    const CpuDevice* device = catalog.Find(result.device);
    if (device == nullptr) {
      return Status::FailedPrecondition(
          ClaimLabel(claim) + ": device " + result.device + " is not published by this node (" +
          CpuDeviceModeName(catalog.layout().mode) + " mode); the allocation is stale, " +
          "delete and re-create the claim");
    }
    if (grouped) {
      StatusOr<CpuSet> placed = PlaceShare(claim, result, *device, context, chosen);
      if (!placed.ok()) return placed.status();
      chosen |= *placed;
      continue;
    }
    if (!seen.insert(result.device).second) {
      return Status::InvalidArgument(ClaimLabel(claim) + ": device " + result.device +
                                     " is allocated twice");
    }
    DRACPU_RETURN_IF_ERROR(CheckNotHeld(claim, *device, context.held_by_other_claims));
    chosen |= device->cpus;
  }

  const CpuSet shared = catalog.allocatable() - context.held_by_other_claims - chosen;
  if (!chosen.Empty() && shared.Empty()) {
    return Status::FailedPrecondition(
        ClaimLabel(claim) + ": taking CPUs " + chosen.ToString() + " would leave no CPU for " +
        "containers without a claim (" + std::to_string(catalog.allocatable().Size()) +
        " allocatable, " + std::to_string(context.held_by_other_claims.Size()) +
        " already exclusive); request fewer CPUs");
  }
  return chosen;
}

}  // namespace dracpu
