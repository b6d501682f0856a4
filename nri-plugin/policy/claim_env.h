// Reading DRA_CPUSET_<claim UID>=<cpulist> entries from a container's environment.
//
// The CDI spec the driver writes for a prepared claim injects exactly one such entry
// (design.md §3). The prefix is reserved: any entry whose key starts with "DRA_CPUSET" is a
// claim reference and must be well formed, because a malformed one is either a bug or a pod
// trying to smuggle a cpuset past the plugin. The env var is only a claim *reference*; whether
// the container may have those CPUs is decided against the state file (cpu_policy.h).

#ifndef DRACPU_NRI_PLUGIN_POLICY_CLAIM_ENV_H_
#define DRACPU_NRI_PLUGIN_POLICY_CLAIM_ENV_H_

#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu::nri {

inline constexpr char kClaimEnvPrefix[] = "DRA_CPUSET_";

struct ClaimEnv {
  std::string claim_uid;
  CpuSet cpus;
  bool operator==(const ClaimEnv&) const = default;
};

// Returns the claim references in `env` ("KEY=VALUE" strings), sorted by claim UID, one per
// claim. Entries without the prefix are ignored.
// Errors (InvalidArgument, naming the entry): a "DRA_CPUSET" key that is not
// "DRA_CPUSET_<uid>", a UID with characters outside [A-Za-z0-9-] or longer than 63, a value
// that is not a canonical non-empty cpulist, or one UID given twice with different values.
StatusOr<std::vector<ClaimEnv>> ParseClaimEnv(const std::vector<std::string>& env);

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_POLICY_CLAIM_ENV_H_
