#include "nri-plugin/transport/unix_socket.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace dracpu::ttrpc {
namespace {

Status Errno(const std::string& what) { return Status::IOError(what + ": " + strerror(errno)); }

StatusOr<sockaddr_un> Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("unix socket path \"" + path + "\" is empty or too long");
  }
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

void UniqueFd::Reset() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

StatusOr<UniqueFd> ConnectUnix(const std::string& path) {
  StatusOr<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket");
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
    Status s = Errno("connect " + path);
    return Status::Unavailable(s.message());
  }
  return fd;
}

StatusOr<UniqueFd> ListenUnix(const std::string& path) {
  StatusOr<sockaddr_un> addr = Address(path);
  if (!addr.ok()) return addr.status();
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Errno("socket");
  unlink(path.c_str());
  mode_t old = umask(0177);
  int rc = bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_un));
  umask(old);
  if (rc != 0) return Errno("bind " + path);
  if (listen(fd.get(), 16) != 0) return Errno("listen " + path);
  return fd;
}

StatusOr<UniqueFd> AcceptUnix(int listen_fd, std::chrono::milliseconds timeout) {
  pollfd p{listen_fd, POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return Errno("poll");
  if (rc == 0) return Status::DeadlineExceeded("no connection to accept");
  UniqueFd fd(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!fd.valid()) return Errno("accept");
  return fd;
}

Status SocketPair(UniqueFd* a, UniqueFd* b) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return Errno("socketpair");
  *a = UniqueFd(fds[0]);
  *b = UniqueFd(fds[1]);
  return Status::OK();
}

Status SetSendTimeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
    return Errno("setsockopt SO_SNDTIMEO");
  }
  return Status::OK();
}

Status SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return Status::DeadlineExceeded("send: peer is not reading");
      }
      return Status::Unavailable(std::string("send: ") + strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

}  // namespace dracpu::ttrpc
