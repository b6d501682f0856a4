// DriverProcess: the real dracpu-driver binary as a child process, for integration tests.
// Its stderr (glog) goes to a file the test reads to wait for the promised log lines.

#ifndef DRACPU_DRIVER_APP_TESTING_DRIVER_PROCESS_H_
#define DRACPU_DRIVER_APP_TESTING_DRIVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::testing {

class DriverProcess {
 public:
  // Starts `binary` with `args`; stdout and stderr go to `log_path` (appended).
  static StatusOr<std::unique_ptr<DriverProcess>> Spawn(const std::string& binary,
                                                        const std::vector<std::string>& args,
                                                        const std::string& log_path);
  ~DriverProcess();  // SIGKILL if still running

  // SIGTERM, then waits up to `timeout`; returns the exit code (128+signal when killed by one).
  // DeadlineExceeded (and SIGKILL) when it does not stop in time.
  StatusOr<int> Terminate(std::chrono::milliseconds timeout);
  // SIGKILL and reap: a crash, as far as the driver can tell.
  void Kill();
  // Waits for the process to exit by itself; nullopt-like DeadlineExceeded on timeout.
  StatusOr<int> Wait(std::chrono::milliseconds timeout);

  // True once `needle` appears in the log at least `count` times (checked every 20 ms).
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout,
                  int count = 1) const;
  int CountInLog(const std::string& needle) const;
  std::string Log() const;
  const std::string& log_path() const { return log_path_; }
  pid_t pid() const { return pid_; }

 private:
  DriverProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string log_path_;
};

// The port in the driver's "serving /healthz and /metrics on http://<addr>:<port>" line, or
// 0 when the line is not (yet) there.
int HttpPortFromLog(const std::string& log);

}  // namespace dracpu::testing

#endif  // DRACPU_DRIVER_APP_TESTING_DRIVER_PROCESS_H_
