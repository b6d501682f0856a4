#include "common/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/scoped_fd.h"

namespace dracpu {
namespace {

Status ErrnoStatus(const std::string& what, const char* op, int err) {
  std::string msg = what + ": " + op + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(msg);
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
  return Status::IOError(msg);
}

Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(what, "write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// The part both writers share: `fd` is the freshly opened temp file `tmp`, which ends up
// renamed over `path` with exactly `perms`, or is left for the caller to clean up.
Status FillAndRename(ScopedFd fd, const std::string& tmp, const std::string& path,
                     std::string_view contents, mode_t perms) {
  // A stale temp from a killed writer may carry other bits, and open() applied the umask.
  if (::fchmod(fd.get(), perms) != 0) return ErrnoStatus(tmp, "chmod", errno);
  DRACPU_RETURN_IF_ERROR(WriteAll(fd.get(), contents, tmp));
  if (::fsync(fd.get()) != 0) return ErrnoStatus(tmp, "fsync", errno);
  // A deferred write error surfaces at close on some file systems (NFS).
  if (::close(fd.Release()) != 0) return ErrnoStatus(tmp, "close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus(path, "rename", errno);
  return Status::OK();
}

}  // namespace

StatusOr<std::string> ReadAll(int fd, const std::string& what, size_t max_bytes) {
  // Read straight into the result, sized from fstat when the file says how big it is: growing
  // the string chunk by chunk cost more than the read on a prepare's path.
  struct stat st;
  size_t chunk = 16384;
  // The size is only a hint (sysfs files all say 4096; the offset may not be 0): the limit
  // applies to what is read.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    chunk = std::min(static_cast<size_t>(st.st_size), max_bytes) + 1;  // + 1: EOF in one call
  }
  std::string out;
  for (;;) {
    const size_t have = out.size();
    out.resize(have + chunk);
    ssize_t n = ::read(fd, &out[have], chunk);
    if (n < 0) {
      if (errno == EINTR) {
        out.resize(have);
        continue;
      }
      return ErrnoStatus(what, "read", errno);
    }
    out.resize(have + static_cast<size_t>(n));
    if (n == 0) break;
    if (out.size() > max_bytes) {
      return Status::ResourceExhausted(what + ": larger than " + std::to_string(max_bytes) +
                                       " bytes");
    }
    chunk = 16384;
  }
  return out;
}

StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_bytes) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(path, "open", errno);
  return ReadAll(fd.get(), path, max_bytes);
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t perms) {
  const std::string tmp = path + ".tmp";
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, perms));
  if (!fd.valid()) return ErrnoStatus(tmp, "open", errno);
  DRACPU_RETURN_IF_ERROR(FillAndRename(std::move(fd), tmp, path, contents, perms));
  return FsyncDir(DirName(path));
}

Status WriteFileAtomicallyViaUniqueTemp(const std::string& path, std::string_view contents,
                                        mode_t perms, std::string_view temp_prefix,
                                        std::string_view temp_suffix) {
  const std::string dir = DirName(path);
  std::string tmp = dir + "/" + std::string(temp_prefix) + "XXXXXX" + std::string(temp_suffix);
  ScopedFd fd(::mkostemps(tmp.data(), static_cast<int>(temp_suffix.size()), O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(tmp, "create temp file", errno);
  Status s = FillAndRename(std::move(fd), tmp, path, contents, perms);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

Status FsyncDir(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(dir, "open", errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus(dir, "fsync", errno);
  return Status::OK();
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace dracpu
