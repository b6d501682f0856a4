// AllocationSource: the nri-plugin's view of the state file (design.md §2), in the policy's
// terms (AllocationView, cpu_policy.h).
//
// Reading. The driver owns the folder; the nri-plugin only reads it, and the folder may be
// mounted read-only: nothing here creates, locks for writing or moves a file. Each Refresh is
// one stat(2) when nothing changed, and one shared-lock read of allocations.json when the file
// was replaced (common/state_store.h CachedStateReader).
//
// Which claims count. PREPARED claims, and PREPARING ones: the driver records Preparing before
// it writes the CDI spec, so a container may carry the claim's env var only after that, and
// the CPUs are already promised to the claim. Counting a Preparing claim as exclusive keeps a
// shared container from being spread over CPUs that are about to be pinned; a container naming
// it passes the same checks (cpuset, pod) as for a Prepared one. Claims in any other phase
// (unspecified, or a phase newer than this reader, which JSON parsing maps to unspecified) are
// left out and logged: the reader cannot tell what they mean.
//
// Errors keep the last good view. A corrupt file (checksum, JSON), an apiVersion this build
// does not speak, an unreadable file, or a file whose cpulists do not parse: the error is
// logged at ERROR and counted once per distinct error (state_errors), and the policy keeps deciding
// with the last good view. A missing file is the empty state: no claims, and no online CPUs
// known, so the shared pool is unknown and shared containers are left alone until the driver
// writes the file.
//
// Not thread-safe: the plugin calls it under its policy lock.

#ifndef DRACPU_NRI_PLUGIN_APP_ALLOCATION_SOURCE_H_
#define DRACPU_NRI_PLUGIN_APP_ALLOCATION_SOURCE_H_

#include <functional>
#include <optional>
#include <string>

#include "common/state_codec.h"
#include "common/state_store.h"
#include "common/status.h"
#include "nri-plugin/policy/cpu_policy.h"

namespace dracpu::nri {

// The view of `state`: generation, online and reserved CPUs, and the Prepared and Preparing
// claims. InvalidArgument (naming the field or claim) when a cpulist does not parse or a claim has
// none.
StatusOr<AllocationView> ToAllocationView(const AllocationState& state);

// "corrupt", "unsupported_version", "io": the metrics label for a state read error.
const char* StateErrorKind(const Status& error);

class AllocationSource {
 public:
  // Called once per bad file with the error (already logged); for metrics.
  using ErrorCallback = std::function<void(const Status& error)>;

  AllocationSource(std::string state_dir, ErrorCallback on_error);

  // Checks the file; returns the new view when it was replaced and converts cleanly, nullopt
  // when nothing changed or on an error (the last good view stands).
  std::optional<AllocationView> Refresh();

  // The generation of the last good view (0 before any file was read).
  uint64_t generation() const { return generation_; }
  const std::string& data_path() const { return data_path_; }

 private:
  void ReportError(const Status& error);

  StateStore store_;
  CachedStateReader reader_;
  const std::string data_path_;
  ErrorCallback on_error_;
  uint64_t generation_ = 0;
  std::string last_error_;  // message of the error last reported; empty after a good read
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_APP_ALLOCATION_SOURCE_H_
