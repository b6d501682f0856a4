// Unix stream sockets: an owning fd, connect/listen/accept by path, and whole-buffer writes.
// Thin adapter over the syscalls; errors come back as Status naming the path and errno text.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_UNIX_SOCKET_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_UNIX_SOCKET_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace dracpu::ttrpc {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  // Gives up ownership without closing.
  int Release() { return std::exchange(fd_, -1); }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

StatusOr<UniqueFd> ConnectUnix(const std::string& path);
// Binds and listens; the socket file is created with mode 0600 (never world-writable).
// An existing stale socket file at `path` is replaced.
StatusOr<UniqueFd> ListenUnix(const std::string& path);
// Waits up to `timeout` for a connection; DeadlineExceeded when none arrived.
StatusOr<UniqueFd> AcceptUnix(int listen_fd, std::chrono::milliseconds timeout);
// A connected pair (for tests and in-process peers).
Status SocketPair(UniqueFd* a, UniqueFd* b);

// A write that cannot complete within `timeout` fails instead of blocking forever on a peer that
// stopped reading.
Status SetSendTimeout(int fd, std::chrono::milliseconds timeout);
// Writes every byte (retrying short writes and EINTR); never raises SIGPIPE.
Status SendAll(int fd, std::string_view bytes);

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_UNIX_SOCKET_H_
