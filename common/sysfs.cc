#include "common/sysfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace dracpu::sysfs {

namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  return Status::IOError(msg);
}

}  // namespace

std::string_view TrimTrailing(std::string_view s) {
  while (!s.empty()) {
    char c = s.back();
    if (c != '\0' && c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    s.remove_suffix(1);
  }
  return s;
}

namespace {

// Reads `rel` relative to `dir_fd` (AT_FDCWD for a plain path); `shown` names it in errors.
StatusOr<std::string> ReadAt(int dir_fd, const std::string& rel, const std::string& shown) {
  int fd = ::openat(dir_fd, rel.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", shown, errno);
  std::string data;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot read", shown, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxFileSize) {
      ::close(fd);
      return Status::IOError("file " + shown + " is larger than " + std::to_string(kMaxFileSize) +
                             " bytes");
    }
  }
  ::close(fd);
  data.resize(TrimTrailing(data).size());
  return data;
}

StatusOr<CpuSet> ParseSet(StatusOr<std::string> text, bool mask, const std::string& shown) {
  if (!text.ok()) return text.status();
  StatusOr<CpuSet> set = mask ? CpuSet::ParseMask(*text) : CpuSet::Parse(*text);
  if (!set.ok()) return set.status().Annotate(shown);
  return set;
}

StatusOr<int64_t> ParseInt(StatusOr<std::string> text, const std::string& shown) {
  if (!text.ok()) return text.status();
  const std::string& s = *text;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return Status::InvalidArgument(shown + ": \"" + s + "\" is not an integer");
  }
  return value;
}

}  // namespace

StatusOr<std::string> ReadTrimmed(const std::string& path) { return ReadAt(AT_FDCWD, path, path); }

StatusOr<CpuSet> ReadCpuList(const std::string& path) {
  return ParseSet(ReadTrimmed(path), false, path);
}

StatusOr<CpuSet> ReadCpuMask(const std::string& path) {
  return ParseSet(ReadTrimmed(path), true, path);
}

StatusOr<int64_t> ReadInt(const std::string& path) { return ParseInt(ReadTrimmed(path), path); }

StatusOr<Dir> Dir::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open folder", path, errno);
  return Dir(fd, path);
}

Dir::Dir(Dir&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }

Dir& Dir::operator=(Dir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

Dir::~Dir() {
  if (fd_ >= 0) ::close(fd_);
}

StatusOr<std::string> Dir::ReadTrimmed(const std::string& rel) const {
  return ReadAt(fd_, rel, path_ + "/" + rel);
}

StatusOr<CpuSet> Dir::ReadCpuList(const std::string& rel) const {
  return ParseSet(ReadTrimmed(rel), false, path_ + "/" + rel);
}

StatusOr<CpuSet> Dir::ReadCpuMask(const std::string& rel) const {
  return ParseSet(ReadTrimmed(rel), true, path_ + "/" + rel);
}

StatusOr<int64_t> Dir::ReadInt(const std::string& rel) const {
  return ParseInt(ReadTrimmed(rel), path_ + "/" + rel);
}

StatusOr<std::vector<std::string>> ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus("cannot open folder", path, errno);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return ErrnoStatus("cannot list folder", path, err);
  return names;
}

int NumberAfterPrefix(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) return -1;
  std::string_view digits = name.substr(prefix.size());
  int64_t value = 0;  // wide enough that one step past the limit cannot overflow
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
    if (value > (1 << 30)) return -1;
  }
  return static_cast<int>(value);
}

}  // namespace dracpu::sysfs
