// ScopedFd: owns one file descriptor and closes it once, so early returns on error paths never
// leak descriptors (the nri-plugin and the driver are long-lived).

#ifndef DRACPU_COMMON_SCOPED_FD_H_
#define DRACPU_COMMON_SCOPED_FD_H_

#include <unistd.h>

#include <utility>

namespace dracpu {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& o) noexcept {
    if (this != &o) Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership without closing (e.g. to close() it and check the result).
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_SCOPED_FD_H_
