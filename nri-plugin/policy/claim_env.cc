#include "nri-plugin/policy/claim_env.h"

#include <map>

namespace dracpu::nri {
namespace {

bool ValidUid(std::string_view uid) {
  if (uid.empty() || uid.size() > 63) return false;
  for (char c : uid) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

StatusOr<std::vector<ClaimEnv>> ParseClaimEnv(const std::vector<std::string>& env) {
  std::map<std::string, ClaimEnv> by_uid;
  for (const std::string& entry : env) {
    if (entry.rfind("DRA_CPUSET", 0) != 0) continue;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("malformed DRA_CPUSET entry \"" + entry + "\": " + why);
    };
    size_t eq = entry.find('=');
    if (eq == std::string::npos) return bad("no '='");
    std::string key = entry.substr(0, eq);
    std::string value = entry.substr(eq + 1);
    if (key.rfind(kClaimEnvPrefix, 0) != 0) return bad("key must be DRA_CPUSET_<claim UID>");
    std::string uid = key.substr(sizeof(kClaimEnvPrefix) - 1);
    if (!ValidUid(uid)) return bad("claim UID is not a Kubernetes UID");
    auto cpus = CpuSet::Parse(value);
    if (!cpus.ok()) return bad(cpus.status().message());
    if (cpus->Empty()) return bad("empty cpuset");
    // Only the canonical form the driver writes is accepted: anything else was not written by it.
    if (cpus->ToString() != value) return bad("cpuset is not in canonical form");
    auto [it, inserted] = by_uid.emplace(uid, ClaimEnv{uid, *cpus});
    if (!inserted && it->second.cpus != *cpus) return bad("claim given twice with different CPUs");
  }
  std::vector<ClaimEnv> out;
  for (auto& [uid, c] : by_uid) out.push_back(std::move(c));
  return out;
}

}  // namespace dracpu::nri
