// Whole-file reads and crash-safe replacement, the two file operations the state file and the
// CDI specs need.
//
// WriteFileAtomically guarantees that after a crash at any instant (process killed, power lost
// after the call returned) `path` holds either its old content or the complete new content,
// never a mix: the bytes go to `path + ".tmp"`, which is fsynced, renamed over `path`, and the
// folder is fsynced so the rename itself is durable.
//   REQUIRES: writers of one path are serialized by the caller (e.g. a FileLock): they share the
//   ".tmp" name. A ".tmp" left by a killed writer is harmless and truncated by the next write.
//
// WriteFileAtomicallyViaUniqueTemp gives the same guarantee without that REQUIRES, for folders
// that other programs watch (the CDI folder): each write stages its bytes in a fresh file whose
// name the caller shapes so watchers ignore it, and removes it again if the write fails. A
// writer killed mid-write leaves its temp file behind; the caller sweeps those by name.

#ifndef DRACPU_COMMON_ATOMIC_FILE_H_
#define DRACPU_COMMON_ATOMIC_FILE_H_

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dracpu {

// Files larger than this are refused rather than read into memory: no state file or CDI spec
// comes near it, so a larger one is damage or an attack.
inline constexpr size_t kMaxReadBytes = 64u << 20;

// Reads everything from an open descriptor (from its current offset). IOError on a read error,
// ResourceExhausted beyond max_bytes. `what` names the file in errors.
StatusOr<std::string> ReadAll(int fd, const std::string& what, size_t max_bytes = kMaxReadBytes);

// NotFound when the file does not exist.
StatusOr<std::string> ReadFileToString(const std::string& path, size_t max_bytes = kMaxReadBytes);

// Replaces `path` with `contents`; the file ends with exactly `perms` whatever the umask.
Status WriteFileAtomically(const std::string& path, std::string_view contents, mode_t perms);

// Like WriteFileAtomically, staging in a new file
// DirName(path) + "/" + temp_prefix + <6 random characters> + temp_suffix.
//   REQUIRES: temp_prefix holds no '/'.
Status WriteFileAtomicallyViaUniqueTemp(const std::string& path, std::string_view contents,
                                        mode_t perms, std::string_view temp_prefix,
                                        std::string_view temp_suffix);

// Makes renames and creations inside `dir` durable.
Status FsyncDir(const std::string& dir);

// "a/b/c" -> "a/b"; "c" -> "."; "/c" -> "/".
std::string DirName(const std::string& path);

}  // namespace dracpu

#endif  // DRACPU_COMMON_ATOMIC_FILE_H_
