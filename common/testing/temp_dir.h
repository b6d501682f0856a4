// TempDir: a fresh folder under $TMPDIR (else /dev/shm, else /tmp) that is removed, with its
// content, when the value goes away. Tests never use fixed paths, so parallel runs do not collide.

#ifndef DRACPU_COMMON_TESTING_TEMP_DIR_H_
#define DRACPU_COMMON_TESTING_TEMP_DIR_H_

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::testing {

class TempDir {
 public:
  // Aborts when no folder can be created: a test cannot run without one.
  explicit TempDir(const std::string& prefix = "dracpu");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The names in folder `dir` (no "." or ".."), sorted; empty when it cannot be read.
std::vector<std::string> ListDir(const std::string& dir);

// Writes `content` to `path`, creating missing parent folders.
Status WriteFileForTest(const std::string& path, const std::string& content);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_TEMP_DIR_H_
