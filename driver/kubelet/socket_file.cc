#include "driver/kubelet/socket_file.h"

#include <errno.h>
#include <glog/logging.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace dracpu::kubelet {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

std::string ParentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::FailedPrecondition(dir + ": exists and is not a folder");
  }
  if (dir != "/" && dir != ".") DRACPU_RETURN_IF_ERROR(MakeDirs(ParentOf(dir)));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("mkdir " + dir + ": " + ErrnoText(errno));
  }
  return Status::OK();
}

}  // namespace

Status PrepareSocketPath(const std::string& path, bool own_parent) {
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("socket path \"" + path + "\" is not absolute");
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Status::InvalidArgument("socket path \"" + path + "\" is longer than " +
                                   std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  }
  const std::string parent = ParentOf(path);
  DRACPU_RETURN_IF_ERROR(MakeDirs(parent));
  if (own_parent && chmod(parent.c_str(), 0700) != 0) {
    return Status::IOError("chmod 0700 " + parent + ": " + ErrnoText(errno));
  }
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("stat " + path + ": " + ErrnoText(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(path + ": exists and is not a socket; not removing it");
  }
  if (unlink(path.c_str()) != 0) {
    return Status::IOError("removing stale socket " + path + ": " + ErrnoText(errno));
  }
  LOG(INFO) << "removed stale socket " << path;
  return Status::OK();
}

Status RestrictSocket(const std::string& path) {
  if (chmod(path.c_str(), 0600) != 0) {
    return Status::IOError("chmod 0600 " + path + ": " + ErrnoText(errno));
  }
  return Status::OK();
}

void RemoveSocket(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return;
  if (unlink(path.c_str()) != 0) {
    LOG(WARNING) << "removing socket " << path << ": " << ErrnoText(errno);
  }
}

}  // namespace dracpu::kubelet
