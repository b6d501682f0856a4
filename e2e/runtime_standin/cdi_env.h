// The part of a container runtime's CDI handling that reaches a container's environment
// (cdi.md §1, §4, §7): spec files read strictly from the CDI folders, device ids resolved
// across them, and env edits applied as ociedit does (an existing NAME is replaced in place,
// a new one appended). Only env edits are modelled; other edits are accepted and ignored.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_CDI_ENV_H_
#define DRACPU_E2E_RUNTIME_STANDIN_CDI_ENV_H_

#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

// The env edits of one spec file.
struct CdiSpecEnv {
  std::string kind;                                        // vendor/class
  std::vector<std::string> spec_env;                       // spec-level containerEdits.env
  std::map<std::string, std::vector<std::string>> device;  // device name -> its env
};

// Parses one spec file as runtimes do: JSON; an unknown member at the top level, in a device or
// in containerEdits makes the whole file invalid; cdiVersion must be one runtimes know; kind
// vendor/class; at least one device; every env entry NAME=VALUE with a non-empty NAME.
StatusOr<CdiSpecEnv> ParseCdiSpec(std::string_view json);

// Applies env edits to `env` (both "NAME=VALUE"): replace in place, else append.
void ApplyEnvEdits(const std::vector<std::string>& edits, std::vector<std::string>* env);

// A runtime's CDI cache over the folders `dirs` (later folder = higher priority). Re-scanned by
// Refresh(); files unchanged since the last scan are not parsed again.
class CdiCache {
 public:
  explicit CdiCache(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}

  // Reads *.json and *.yaml files directly in each folder (YAML files are recorded as errors:
  // the stand-in reads JSON only). A bad file is an error for that file alone; a device defined
  // in two files of one folder is dropped (conflict), as the CDI library does.
  void Refresh();

  // The env edits for the fully-qualified ids (vendor/class=name), in request order: each spec
  // file's own edits once, then each device's. NotFound ("unresolvable CDI devices ...") names
  // every id that does not resolve, as containerd fails container creation then.
  StatusOr<std::vector<std::string>> EnvFor(const std::vector<std::string>& device_ids) const;

  // Per-file errors of the last Refresh (path -> reason).
  const std::map<std::string, std::string>& errors() const { return errors_; }

 private:
  struct File {
    struct timespec mtime {};
    off_t size = 0;
    StatusOr<CdiSpecEnv> spec = Status::NotFound("unread");
  };
  struct Device {
    std::string file;
    std::string name;
  };

  std::vector<std::string> dirs_;
  std::map<std::string, File> files_;      // path -> parsed content
  std::map<std::string, Device> devices_;  // fully-qualified id -> where it is defined
  std::map<std::string, std::string> errors_;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_CDI_ENV_H_
