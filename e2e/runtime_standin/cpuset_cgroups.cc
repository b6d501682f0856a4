#include "e2e/runtime_standin/cpuset_cgroups.h"

#include <errno.h>
#include <glog/logging.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace dracpu::standin {
namespace {

Status WriteValue(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) return Status::IOError("cannot write \"" + value + "\" to " + path);
  return Status::OK();
}

StatusOr<std::string> ReadValue(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read " + path);
  std::string s;
  std::getline(in, s);
  return s;
}

// Removes a cgroup folder; the kernel refuses (EBUSY) until its last task has gone, which is
// shortly after the waited-for exit, so retry briefly.
Status RemoveDir(const std::string& dir) {
  for (int i = 0; i < 100; ++i) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return Status::OK();
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::IOError("cannot remove " + dir + ": " + strerror(errno));
}

}  // namespace

StatusOr<std::unique_ptr<CpusetCgroups>> CpusetCgroups::Open(const std::string& root,
                                                             CgroupLayout layout,
                                                             const std::string& group) {
  if (access(root.c_str(), W_OK) != 0) {
    return Status::FailedPrecondition("cgroup root " + root +
                                      " is not writable: " + strerror(errno));
  }
  const char* probe = layout == CgroupLayout::kV1 ? "/cpuset.cpus" : "/cgroup.controllers";
  if (access((root + probe).c_str(), R_OK) != 0) {
    return Status::FailedPrecondition(root + " is not a cgroup " +
                                      (layout == CgroupLayout::kV1 ? "v1 cpuset" : "v2") +
                                      " hierarchy");
  }
  std::string dir = root + "/" + group;
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FailedPrecondition("cannot create " + dir + ": " + strerror(errno));
  }
  std::unique_ptr<CpusetCgroups> cg(new CpusetCgroups(dir, layout));
  if (layout == CgroupLayout::kV1) {
    for (const char* f : {"cpuset.mems", "cpuset.cpus"}) {
      StatusOr<std::string> v = ReadValue(root + "/" + f);
      if (!v.ok()) return v.status();
      DRACPU_RETURN_IF_ERROR(WriteValue(dir + "/" + f, *v));
    }
  } else {
    DRACPU_RETURN_IF_ERROR(WriteValue(root + "/cgroup.subtree_control", "+cpuset"));
    DRACPU_RETURN_IF_ERROR(WriteValue(dir + "/cgroup.subtree_control", "+cpuset"));
  }
  return cg;
}

CpusetCgroups::~CpusetCgroups() {
  while (!members_.empty()) {
    Status s = Remove(members_.begin()->first);  // erases the entry
    if (!s.ok()) LOG(WARNING) << "runtime stand-in: " << s;
  }
  Status s = RemoveDir(dir_);
  if (!s.ok()) LOG(WARNING) << "runtime stand-in: " << s;
}

Status CpusetCgroups::Add(const std::string& name) {
  if (members_.count(name)) return Status::AlreadyExists("cgroup " + name + " exists");
  std::string dir = dir_ + "/" + name;
  if (mkdir(dir.c_str(), 0755) != 0) {
    return Status::IOError("cannot create " + dir + ": " + strerror(errno));
  }
  if (layout_ == CgroupLayout::kV1) {
    for (const char* f : {"cpuset.mems", "cpuset.cpus"}) {
      StatusOr<std::string> v = ReadValue(dir_ + "/" + f);
      Status s = v.ok() ? WriteValue(dir + "/" + f, *v) : v.status();
      if (!s.ok()) {
        RemoveDir(dir);
        return s;
      }
    }
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    RemoveDir(dir);
    return Status::IOError(std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    // Only async-signal-safe calls here: the parent has threads.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    for (;;) pause();
  }
  members_[name] = pid;
  Status s = WriteValue(dir + "/cgroup.procs", std::to_string(pid));
  if (!s.ok()) Remove(name);
  return s;
}

Status CpusetCgroups::SetCpus(const std::string& name, const CpuSet& cpus) {
  if (!members_.count(name)) return Status::NotFound("no cgroup " + name);
  return WriteValue(dir_ + "/" + name + "/cpuset.cpus", cpus.ToString());
}

StatusOr<pid_t> CpusetCgroups::Pid(const std::string& name) const {
  auto it = members_.find(name);
  if (it == members_.end()) return Status::NotFound("no cgroup " + name);
  return it->second;
}

StatusOr<CpuSet> CpusetCgroups::Affinity(const std::string& name) const {
  StatusOr<pid_t> pid = Pid(name);
  if (!pid.ok()) return pid.status();
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(*pid, sizeof(mask), &mask) != 0) {
    return Status::IOError(std::string("sched_getaffinity: ") + strerror(errno));
  }
  std::vector<int> cpus;
  for (int i = 0; i < CPU_SETSIZE; ++i) {
    if (CPU_ISSET(i, &mask)) cpus.push_back(i);
  }
  return CpuSet::FromVector(cpus);
}

Status CpusetCgroups::Remove(const std::string& name) {
  auto it = members_.find(name);
  if (it == members_.end()) return Status::OK();
  pid_t pid = it->second;
  members_.erase(it);
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return RemoveDir(dir_ + "/" + name);
}

}  // namespace dracpu::standin
