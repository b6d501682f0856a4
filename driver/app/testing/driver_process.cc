#include "driver/app/testing/driver_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace dracpu::testing {
namespace {

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

StatusOr<std::unique_ptr<DriverProcess>> DriverProcess::Spawn(const std::string& binary,
                                                              const std::vector<std::string>& args,
                                                              const std::string& log_path) {
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) return Status::IOError(log_path + ": " + std::strerror(errno));
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    return Status::IOError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(log, 1);
    ::dup2(log, 2);
    // The test may block signals in its threads; the driver must start with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(binary.c_str(), argv.data());
    _exit(127);
  }
  ::close(log);
  return std::unique_ptr<DriverProcess>(new DriverProcess(pid, log_path));
}

DriverProcess::~DriverProcess() {
  if (!reaped_) Kill();
}

StatusOr<int> DriverProcess::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      exit_code_ = ExitCode(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::DeadlineExceeded("driver pid " + std::to_string(pid_) + " still running");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

StatusOr<int> DriverProcess::Terminate(std::chrono::milliseconds timeout) {
  if (reaped_) return exit_code_;
  ::kill(pid_, SIGTERM);
  StatusOr<int> code = Wait(timeout);
  if (!code.ok()) Kill();
  return code;
}

void DriverProcess::Kill() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  exit_code_ = ExitCode(status);
}

std::string DriverProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

int DriverProcess::CountInLog(const std::string& needle) const {
  const std::string log = Log();
  int n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

bool DriverProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout,
                               int count) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (CountInLog(needle) < count) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int HttpPortFromLog(const std::string& log) {
  const std::string marker = "serving /healthz and /metrics on http://";
  size_t at = log.rfind(marker);
  if (at == std::string::npos) return 0;
  size_t colon = log.find(':', at + marker.size());
  if (colon == std::string::npos) return 0;
  return std::atoi(log.c_str() + colon + 1);
}

}  // namespace dracpu::testing
