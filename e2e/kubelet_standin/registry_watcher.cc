#include "e2e/kubelet_standin/registry_watcher.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace dracpu::standin {
namespace {

// The path of a new socket named `name` in `dir`, or "" when it does not qualify.
std::string Candidate(const std::string& dir, const std::string& name,
                      const std::set<std::string>& known) {
  if (name.empty() || name[0] == '.') return "";
  std::string path = dir + "/" + name;
  struct stat st;
  if (known.count(path) || lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return "";
  return path;
}

std::string ScanOnce(const std::string& dir, const std::set<std::string>& known) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return "";
  std::string found;
  while (struct dirent* e = readdir(d)) {
    found = Candidate(dir, e->d_name, known);
    if (!found.empty()) break;
  }
  closedir(d);
  return found;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

StatusOr<std::string> WaitForRegistrationSocket(const std::string& dir,
                                                std::chrono::milliseconds timeout,
                                                const std::set<std::string>& known) {
  Fd inotify(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (inotify.get() < 0) return Status::IOError(std::string("inotify: ") + strerror(errno));
  // Watch before scanning so a socket created in between is not missed.
  if (inotify_add_watch(inotify.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    return Status::IOError("watching " + dir + ": " + strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // A rescan on every event is simple and also catches sockets whose bind() completed after
    // the IN_CREATE event was read.
    std::string found = ScanOnce(dir, known);
    if (!found.empty()) return found;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Status::DeadlineExceeded("no registration socket appeared in " + dir);
    }
    pollfd pfd{inotify.get(), POLLIN, 0};
    int n = poll(&pfd, 1, static_cast<int>(std::min<long>(left.count(), 200)));
    if (n < 0 && errno != EINTR) return Status::IOError(std::string("poll: ") + strerror(errno));
    if (n > 0) {
      alignas(inotify_event) char buf[4096];
      while (read(inotify.get(), buf, sizeof(buf)) > 0) {
      }
    }
  }
}

}  // namespace dracpu::standin
