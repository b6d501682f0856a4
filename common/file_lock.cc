#include "common/file_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cstring>

namespace dracpu {

StatusOr<FileLock> FileLock::Acquire(const std::string& path, Mode mode, bool create,
                                     mode_t perms) {
  int flags = O_CLOEXEC | (create ? (O_RDWR | O_CREAT) : O_RDONLY);
  ScopedFd fd(::open(path.c_str(), flags, perms));
  if (!fd.valid()) {
    int err = errno;
    std::string msg = "lock file " + path + ": open: " + std::strerror(err);
    if (err == ENOENT) return Status::NotFound(msg);
    if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
    return Status::IOError(msg);
  }
  if (create) {
    // open() applied the umask; the mode must not depend on the environment we were started in.
    struct stat st;
    if (::fstat(fd.get(), &st) != 0 ||
        ((st.st_mode & 07777) != perms && ::fchmod(fd.get(), perms) != 0)) {
      return Status::IOError("lock file " + path + ": chmod: " + std::strerror(errno));
    }
  }
  int op = mode == Mode::kExclusive ? LOCK_EX : LOCK_SH;
  while (::flock(fd.get(), op) != 0) {
    if (errno != EINTR) {
      return Status::IOError("lock file " + path + ": flock: " + std::strerror(errno));
    }
  }
  return FileLock(std::move(fd));
}

}  // namespace dracpu
