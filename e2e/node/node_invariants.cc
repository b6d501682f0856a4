#include "e2e/node/node_invariants.h"

#include <map>

#include "common/cpu_pools.h"
#include "common/cpuset.h"

namespace dracpu::e2e {
namespace {

constexpr char kPrefix[] = "DRA_CPUSET_";

// The claim UIDs a container's env names.
std::vector<std::string> ClaimUids(const std::vector<std::string>& env) {
  std::vector<std::string> uids;
  for (const std::string& entry : env) {
    if (entry.rfind(kPrefix, 0) != 0) continue;
    const size_t eq = entry.find('=');
    uids.push_back(entry.substr(sizeof(kPrefix) - 1, eq == std::string::npos
                                                         ? std::string::npos
                                                         : eq - (sizeof(kPrefix) - 1)));
  }
  return uids;
}

}  // namespace

std::vector<std::string> NodeViolations(const AllocationState& state,
                                        const std::vector<ContainerCpus>& containers) {
  std::vector<std::string> violations;
  StatusOr<CpuPools> pools = PoolsFromState(state);
  if (!pools.ok()) {
    violations.push_back("state file: " + pools.status().ToString());
    return violations;
  }
  if (pools->shared.Empty()) violations.push_back("the shared pool is empty");

  // Claim containers first: the claims they hold decide what shared containers may keep.
  std::map<int, std::string> claimed_by;  // CPU -> claim container holding it
  CpuSet held;                            // CPUs of claims whose container exists
  std::vector<std::pair<const ContainerCpus*, CpuSet>> shared_containers;
  for (const ContainerCpus& c : containers) {
    StatusOr<CpuSet> got = CpuSet::Parse(c.cpus);
    if (c.cpus.empty() || !got.ok()) {
      violations.push_back(c.label + " is not confined (cpuset '" + c.cpus + "')");
      continue;
    }
    const std::vector<std::string> uids = ClaimUids(c.env);
    if (uids.empty()) {
      shared_containers.emplace_back(&c, *got);
      continue;
    }
    CpuSet want;
    for (const std::string& uid : uids) {
      auto claim = state.claims().find(uid);
      if (claim == state.claims().end()) {
        violations.push_back(c.label + " runs with claim " + uid + ", which is not prepared");
        continue;
      }
      if (claim->second.phase() != ClaimAllocation::PREPARED) {
        violations.push_back(c.label + " runs with claim " + uid + " still Preparing");
      }
      StatusOr<CpuSet> cpus = CpuSet::Parse(claim->second.cpus());
      if (cpus.ok()) want |= *cpus;
    }
    held |= want;
    if (*got != want) {
      violations.push_back(c.label + " runs on " + got->ToString() + ", its claims hold " +
                           want.ToString());
    }
    for (int cpu : *got) {
      auto [it, fresh] = claimed_by.emplace(cpu, c.label);
      if (!fresh) {
        violations.push_back("CPU " + std::to_string(cpu) + " is held by " + it->second +
                             " and by " + c.label);
      }
    }
  }
  const CpuSet pending = pools->exclusive - held;  // prepared, container not created yet
  for (const auto& [c, got] : shared_containers) {
    if (!pools->shared.IsSubsetOf(got) || !got.IsSubsetOf(pools->shared | pending)) {
      violations.push_back(c->label + " runs on " + got.ToString() + ", not the shared pool " +
                           pools->shared.ToString() +
                           (pending.Empty() ? "" : " (+ at most " + pending.ToString() + ")"));
    }
  }
  return violations;
}

}  // namespace dracpu::e2e
