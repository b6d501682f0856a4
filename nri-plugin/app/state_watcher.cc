#include "nri-plugin/app/state_watcher.h"

#include <glog/logging.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dracpu::nri {

namespace {

// Every way a file can appear, change or vanish in the folder, and the folder itself going away.
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;

}  // namespace

StateWatcher::StateWatcher(std::string dir, std::chrono::milliseconds period,
                           std::function<void()> on_change)
    : dir_(std::move(dir)), period_(period), on_change_(std::move(on_change)) {}

StateWatcher::~StateWatcher() {
  Stop();
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status StateWatcher::Start() {
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return Status::IOError(std::string("inotify_init1: ") + strerror(errno));
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::IOError(std::string("eventfd: ") + strerror(errno));
  TryWatch();
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void StateWatcher::Wake() {
  if (wake_fd_ < 0) return;
  uint64_t one = 1;
  // EAGAIN means a wake is already pending, which is all we want.
  (void)!write(wake_fd_, &one, sizeof(one));
}

void StateWatcher::Stop() {
  stopping_ = true;
  Wake();
  if (thread_.joinable()) thread_.join();
}

void StateWatcher::TryWatch() {
  if (watching_) return;
  watch_ = inotify_add_watch(inotify_fd_, dir_.c_str(), kEvents | IN_ONLYDIR);
  if (watch_ < 0) {
    if (!poll_logged_) {
      LOG(INFO) << "state folder " << dir_ << " not watchable yet (" << strerror(errno)
                << "); checking it every " << period_.count() << " ms";
      poll_logged_ = true;
    }
    return;
  }
  watching_ = true;
  poll_logged_ = false;
  VLOG(1) << "watching state folder " << dir_;
}

bool StateWatcher::WaitForChange() {
  struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  int n = poll(fds, 2, static_cast<int>(period_.count()));
  if (stopping_) return false;
  if (n < 0 && errno != EINTR) PLOG(WARNING) << "poll on the state folder watch";
  uint64_t wakes;
  (void)!read(wake_fd_, &wakes, sizeof(wakes));
  // Drain everything queued; only "something happened" matters, plus whether the watch died.
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t len = read(inotify_fd_, buf, sizeof(buf));
    if (len <= 0) break;
    for (char* p = buf; p < buf + len;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (watching_) inotify_rm_watch(inotify_fd_, watch_);
        watching_ = false;
      }
      if (ev->mask & IN_Q_OVERFLOW) VLOG(1) << "state folder watch overflowed";
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
  return true;
}

void StateWatcher::Run() {
  do {
    TryWatch();
    on_change_();
  } while (WaitForChange());
}

}  // namespace dracpu::nri
