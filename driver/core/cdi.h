// CDI spec files for prepared claims (design.md §3, cdi.md).
//
// One file per claim in the CDI folder, named dra.k8s.io-cpu_claim-<UID>.json, holding kind
// dra.k8s.io/cpu and one device claim-<UID> whose only edit is the env entry
// DRA_CPUSET_<UID>=<canonical cpulist>. cdiVersion is 0.3.0, the lowest version that content
// needs (env edits, a device name starting with a letter), so runtimes with old CDI
// libraries (containerd 1.7) accept it. The runtime resolves the device id
// dra.k8s.io/cpu=claim-<UID> that NodePrepareResources returns.
//
// Writes are atomic for the runtime's directory watcher (common/atomic_file.h): a hidden temp
// file in the same folder whose name ends in .tmp (runtimes read only *.json / *.yaml), chmod
// 0644 (readable by the runtime, writable only by us), fsync, rename onto the final name, fsync
// the folder. A crash leaves at most a temp file, which RemoveStaleTempFiles deletes.
//
// Claim UIDs come from the API server; they are used in a file name and an env var name, so
// they are checked first: 1..128 characters of [A-Za-z0-9-], starting and ending with a letter
// or digit (Kubernetes UIDs are UUIDs). Anything else (a '/', "..", a dot) is refused.

#ifndef DRACPU_DRIVER_CORE_CDI_H_
#define DRACPU_DRIVER_CORE_CDI_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu::cdi {

inline constexpr char kVendor[] = "dra.k8s.io";
inline constexpr char kClass[] = "cpu";
inline constexpr char kKind[] = "dra.k8s.io/cpu";
inline constexpr char kCdiVersion[] = "0.3.0";
inline constexpr char kEnvPrefix[] = "DRA_CPUSET_";

// InvalidArgument naming the UID when it is unsafe or malformed.
Status ValidateClaimUid(std::string_view uid);

// REQUIRES (all four): ValidateClaimUid(uid).ok().
std::string DeviceName(std::string_view uid);                    // claim-<uid>
std::string DeviceId(std::string_view uid);                      // dra.k8s.io/cpu=claim-<uid>
std::string SpecFileName(std::string_view uid);                  // dra.k8s.io-cpu_claim-<uid>.json
std::string EnvEntry(std::string_view uid, const CpuSet& cpus);  // DRA_CPUSET_<uid>=<list>

// The spec file's content (JSON text, newline-terminated). InvalidArgument for a bad UID or
// an empty cpuset (a container pinned to no CPU cannot run).
StatusOr<std::string> SpecContent(std::string_view uid, const CpuSet& cpus);

// Writes (or rewrites) the claim's spec file atomically; creates `dir` (0755) if missing.
Status WriteSpec(const std::string& dir, std::string_view uid, const CpuSet& cpus);
// Removes the claim's spec file; a missing file is success.
Status RemoveSpec(const std::string& dir, std::string_view uid);
// Reads back the cpuset of the claim's spec file: NotFound when absent, Corruption when the
// file is not the content SpecContent writes for that UID.
StatusOr<CpuSet> ReadSpec(const std::string& dir, std::string_view uid);
// The claim UIDs of every spec file of ours in `dir` (sorted); a missing dir is empty.
// Files of other vendors, or ours with a malformed UID, are not listed.
StatusOr<std::vector<std::string>> ListClaimUids(const std::string& dir);
// Deletes temp files left by an interrupted WriteSpec; returns how many were removed.
// REQUIRES: no WriteSpec runs on `dir` meanwhile (call it at start-up, before serving).
StatusOr<int> RemoveStaleTempFiles(const std::string& dir);

}  // namespace dracpu::cdi

#endif  // DRACPU_DRIVER_CORE_CDI_H_
