// TempDir: a fresh folder under $TMPDIR (or /tmp) for one test, removed with everything in it
// when the object dies. Tests never use fixed paths, so they run in parallel and unprivileged.

#ifndef DRACPU_COMMON_TESTING_TEMP_DIR_H_
#define DRACPU_COMMON_TESTING_TEMP_DIR_H_

#include <string>

namespace dracpu::testing {

class TempDir {
 public:
  // Aborts when the folder cannot be created: a test cannot run without it.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_TEMP_DIR_H_
