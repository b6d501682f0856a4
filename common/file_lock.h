// FileLock: an flock(2) held on a dedicated lock file for as long as the object lives.
//
// The lock lives on its own file (not on the data file) because the data file is replaced by
// rename: a lock on the old inode would not exclude a process that opened the new one.
// flock locks belong to the open file description, so they are released when the holder dies,
// even by SIGKILL: a crashed writer never wedges the node.
//
// Blocking: Acquire waits for the lock (retrying EINTR). Callers must not hold a FileLock across
// a network call or any wait on another process, or every reader on the node stalls with them.

#ifndef DRACPU_COMMON_FILE_LOCK_H_
#define DRACPU_COMMON_FILE_LOCK_H_

#include <sys/types.h>

#include <string>

#include "common/scoped_fd.h"
#include "common/status.h"

namespace dracpu {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Opens `path` and takes the lock. With `create`, a missing file is created with exactly
  // `perms` (umask-independent) and an existing one is brought back to `perms`; without it a
  // missing file is NotFound (a reader on a read-only mount must not create files).
  static StatusOr<FileLock> Acquire(const std::string& path, Mode mode, bool create,
                                    mode_t perms = 0640);

  FileLock(FileLock&&) = default;
  FileLock& operator=(FileLock&&) = default;

 private:
  explicit FileLock(ScopedFd fd) : fd_(std::move(fd)) {}
  ScopedFd fd_;  // closing it releases the lock
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_FILE_LOCK_H_
