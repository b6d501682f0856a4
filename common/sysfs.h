// Thin adapter for reading the small text files of sysfs and procfs.
//
// Kernel files end in a newline, some (and some hand-made dumps) in a NUL byte or several
// newlines: every reader here trims trailing NUL bytes and whitespace before the value is
// parsed, so callers see "0-3" and never "0-3\n\0".
//
// Errors distinguish a file that is absent (NotFound: ENOENT or ENOTDIR, so an optional file can
// be skipped) from one that exists but cannot be read (IOError) or does not parse
// (InvalidArgument). Every message names the path.
//
// Generic on purpose: topology discovery reads cpulists and ids with it, the driver reads
// /proc/sys/kernel/random/boot_id with ReadTrimmed.

#ifndef DRACPU_COMMON_SYSFS_H_
#define DRACPU_COMMON_SYSFS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu::sysfs {

// Files larger than this are refused (IOError): sysfs attributes are one page at most, and a
// bounded read keeps a hostile or wrong path from eating memory.
inline constexpr size_t kMaxFileSize = 1 << 20;

// Removes trailing NUL bytes and whitespace (space, \t, \n, \r), in any mix.
std::string_view TrimTrailing(std::string_view s);

// The whole file, trimmed at the end.
StatusOr<std::string> ReadTrimmed(const std::string& path);

// The file parsed as a cpulist ("0-3,8") / a hex mask ("00000000,0000000f").
StatusOr<CpuSet> ReadCpuList(const std::string& path);
StatusOr<CpuSet> ReadCpuMask(const std::string& path);

// The file parsed as a decimal integer (optional leading '-'); anything else is InvalidArgument.
StatusOr<int64_t> ReadInt(const std::string& path);

// An open folder: files under it are read relative to it, so the kernel does not walk the
// folder's own path again for each one (at 4096 CPUs that walk was a fifth of discovery time).
// Same contracts as the functions above; error messages name path() + "/" + rel.
class Dir {
 public:
  static StatusOr<Dir> Open(const std::string& path);
  Dir(Dir&& other) noexcept;
  Dir& operator=(Dir&& other) noexcept;
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  ~Dir();

  const std::string& path() const { return path_; }
  StatusOr<std::string> ReadTrimmed(const std::string& rel) const;
  StatusOr<CpuSet> ReadCpuList(const std::string& rel) const;
  StatusOr<CpuSet> ReadCpuMask(const std::string& rel) const;
  StatusOr<int64_t> ReadInt(const std::string& rel) const;

 private:
  Dir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Names of the entries of a folder (no "." or ".."), unsorted. NotFound when it is absent.
StatusOr<std::vector<std::string>> ListDir(const std::string& path);

// If `name` is `prefix` followed by a decimal number only ("cpu12" for "cpu"), returns the
// number; otherwise -1. Rejects leading '+', signs, empty numbers and values above 1<<30.
int NumberAfterPrefix(std::string_view name, std::string_view prefix);

}  // namespace dracpu::sysfs

#endif  // DRACPU_COMMON_SYSFS_H_
