// The bearer token, kept fresh: service account tokens are projected files that the kubelet
// rewrites (by swapping a symlink) before they expire, so the file is never read only once.
//
// Re-read rules (client-go's cached file token source, plus change detection): the file is
// stat()ed on every call and re-read when its inode, size or mtime changed, when the cached
// copy is older than `max_age`, or after Invalidate() (an HTTP 401). If a re-read fails the
// last good token is kept and the failure logged. Thread-safe.

#ifndef DRACPU_DRIVER_KUBE_TOKEN_SOURCE_H_
#define DRACPU_DRIVER_KUBE_TOKEN_SOURCE_H_

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <string>

#include "common/status.h"

namespace dracpu::kube {

class TokenSource {
 public:
  // Exactly one of `token` / `token_file` is normally set; neither = no Authorization header.
  TokenSource(std::string token, std::string token_file,
              std::chrono::seconds max_age = std::chrono::seconds(60));

  // The current token ("" when none is configured). Fails only if no token was ever read.
  StatusOr<std::string> Token();

  // Forces a re-read on the next Token() call.
  void Invalidate();

  // How many times the file was read (for tests and metrics).
  int reads() const;

 private:
  Status ReadLocked();

  const std::string static_token_;
  const std::string file_;
  const std::chrono::seconds max_age_;
  mutable std::mutex mu_;
  std::string token_;
  bool have_token_ = false;
  bool invalid_ = true;
  ino_t ino_ = 0;
  off_t size_ = -1;
  struct timespec mtime_ = {};
  std::chrono::steady_clock::time_point read_at_;
  int reads_ = 0;
};

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_TOKEN_SOURCE_H_
