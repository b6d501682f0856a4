// The driver's checkpoint (the state file and the CDI folder, design.md §5) as the scenario
// tests read it: independently of the driver's own code, so a test can compare the two.

#ifndef DRACPU_E2E_NODE_SCENARIO_CHECKPOINT_H_
#define DRACPU_E2E_NODE_SCENARIO_CHECKPOINT_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {

// UID -> cpus of every claim in the state file; a claim not Prepared carries kNotPrepared after
// its cpus, so that comparing with CdiClaims also proves none is left half-done.
inline constexpr char kNotPrepared[] = " (not Prepared)";
inline std::map<std::string, std::string> StateClaims(WholeNode& node) {
  auto state = node.ReadState();
  INFO((state.ok() ? std::string() : state.status().ToString()));
  REQUIRE(state.ok());
  std::map<std::string, std::string> claims;
  for (const auto& [uid, claim] : state->claims()) {
    claims[uid] = claim.cpus() + (claim.phase() == ClaimAllocation::PREPARED ? "" : kNotPrepared);
  }
  return claims;
}

// UID -> the cpulist of its DRA_CPUSET_ entry for every file in the CDI folder, read here
// without the driver's CDI code. Any other file (a temp file, a spec without the entry) shows
// up under its own name, so it can never match a state claim.
inline std::map<std::string, std::string> CdiClaims(WholeNode& node) {
  namespace fs = std::filesystem;
  const std::string prefix = "dra.k8s.io-cpu_claim-", suffix = ".json";
  std::map<std::string, std::string> claims;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(node.cluster().cdi_dir(), ec)) {
    const std::string name = entry.path().filename();
    if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      claims["file " + name] = "(not a claim's spec)";
      continue;
    }
    const std::string uid = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string content = text.str(), key = "DRA_CPUSET_" + uid + "=";
    const size_t at = content.find(key);
    const size_t end = at == std::string::npos ? at : content.find('"', at);
    claims[uid] = end == std::string::npos ? "(no env entry)"
                                           : content.substr(at + key.size(), end - at - key.size());
  }
  return claims;
}

inline std::string Describe(const std::map<std::string, std::string>& claims) {
  std::string text;
  for (const auto& [uid, cpus] : claims) text += "\n  " + uid + ": " + cpus;
  return text.empty() ? " (none)" : text;
}

// The checkpoint is whole: every claim of the state file is Prepared and has its CDI spec with
// the same CPUs, and no CDI file belongs to a claim the state does not hold.
inline void RequireCheckpointConsistent(WholeNode& node) {
  const auto state = StateClaims(node);
  const auto cdi = CdiClaims(node);
  INFO("state file:" << Describe(state) << "\nCDI folder:" << Describe(cdi));
  REQUIRE(state == cdi);
}

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_SCENARIO_CHECKPOINT_H_
