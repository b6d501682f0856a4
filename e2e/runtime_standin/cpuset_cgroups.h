// Real cpuset cgroups with a real sleeping process per container, so a test can check the
// pinning the kernel enforces (sched_getaffinity) rather than what the stand-in recorded.
//
// Layout: every cgroup lives under <root>/<group>, a folder this object creates and removes.
//   v1: root is the cpuset hierarchy (/sys/fs/cgroup/cpuset); cpuset.cpus and cpuset.mems must
//       be written (parent's values) before a process may join.
//   v2: root is the unified hierarchy (/sys/fs/cgroup); "+cpuset" is enabled in
//       cgroup.subtree_control of root and of the group folder.
// Cleanup is unconditional: the destructor kills every process (SIGKILL, waited for) and removes
// every folder it made. The sleepers also die with this process (PR_SET_PDEATHSIG).
//
// Not thread-safe; the caller serializes.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_CPUSET_CGROUPS_H_
#define DRACPU_E2E_RUNTIME_STANDIN_CPUSET_CGROUPS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu::standin {

enum class CgroupLayout { kV1, kV2 };

class CpusetCgroups {
 public:
  // Creates <root>/<group> ready for containers; FailedPrecondition (with the reason) when the
  // hierarchy is missing or not writable, so callers can skip cleanly.
  static StatusOr<std::unique_ptr<CpusetCgroups>> Open(const std::string& root, CgroupLayout layout,
                                                       const std::string& group);
  ~CpusetCgroups();
  CpusetCgroups(const CpusetCgroups&) = delete;
  CpusetCgroups& operator=(const CpusetCgroups&) = delete;

  // A cgroup `name` (unique; [A-Za-z0-9_-]) with the group's CPUs and one sleeping process.
  Status Add(const std::string& name);
  // Writes cpuset.cpus; the process's affinity follows live.
  Status SetCpus(const std::string& name, const CpuSet& cpus);
  // What the kernel lets the container's process run on.
  StatusOr<CpuSet> Affinity(const std::string& name) const;
  StatusOr<pid_t> Pid(const std::string& name) const;
  // Kills the process and removes the cgroup; a missing name is OK.
  Status Remove(const std::string& name);

  const std::string& dir() const { return dir_; }

 private:
  CpusetCgroups(std::string dir, CgroupLayout layout) : dir_(std::move(dir)), layout_(layout) {}

  std::string dir_;
  CgroupLayout layout_;
  std::map<std::string, pid_t> members_;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_CPUSET_CGROUPS_H_
