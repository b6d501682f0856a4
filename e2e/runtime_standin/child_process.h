// A binary under test run as a child process (the real dracpu-nri for the e2e tests and the
// benchmark): started with its output in a log file, stopped with SIGTERM (SIGKILL after a
// grace period) or killed outright, always reaped. Also reads a process's resident memory.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_CHILD_PROCESS_H_
#define DRACPU_E2E_RUNTIME_STANDIN_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // Kill()
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Runs `argv` (argv[0] is the path) with stdout and stderr appended to `log_path` and, when
  // given, stdin read from `stdin_path`. REQUIRES: not running.
  Status Start(const std::vector<std::string>& argv, const std::string& log_path,
               const std::string& stdin_path = "");
  // Waits up to `timeout` for the process to exit by itself; its waitpid status, or
  // DeadlineExceeded (it keeps running).
  StatusOr<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status as waitpid reports it, or -1
  // when nothing was running.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL and reap (a crash, as far as the peer can tell).
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// VmRSS of `pid` in KiB, from /proc/<pid>/status.
StatusOr<long> ResidentKiB(pid_t pid);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_CHILD_PROCESS_H_
