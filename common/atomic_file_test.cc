// WriteFileAtomicallyViaUniqueTemp (WriteFileAtomically is covered in state_store_test.cc).

#include "common/atomic_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

using testing::ListDir;
using testing::TempDir;

TEST_CASE("unique-temp write replaces content with exact perms and leaves no temp",
          "[atomic_file]") {
  TempDir tmp;
  const std::string path = tmp.Sub("spec.json");
  mode_t old_umask = ::umask(0077);  // perms must not depend on it
  REQUIRE(WriteFileAtomicallyViaUniqueTemp(path, "one", 0644, ".spec.", ".tmp").ok());
  REQUIRE(WriteFileAtomicallyViaUniqueTemp(path, "two", 0644, ".spec.", ".tmp").ok());
  ::umask(old_umask);
  CHECK(ReadFileToString(path).value() == "two");
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(ListDir(tmp.path()) == std::vector<std::string>{"spec.json"});
}

TEST_CASE("unique-temp write that cannot rename removes its temp file", "[atomic_file]") {
  TempDir tmp;
  const std::string path = tmp.Sub("taken");
  std::filesystem::create_directory(path);
  std::filesystem::create_directory(path + "/child");  // rename onto a non-empty dir fails
  Status s = WriteFileAtomicallyViaUniqueTemp(path, "x", 0644, ".taken.", ".tmp");
  CHECK_FALSE(s.ok());
  CHECK(s.ToString().find("rename") != std::string::npos);
  CHECK(ListDir(tmp.path()) == std::vector<std::string>{"taken"});
}

TEST_CASE("unique-temp write into a missing folder fails cleanly", "[atomic_file]") {
  TempDir tmp;
  CHECK(WriteFileAtomicallyViaUniqueTemp(tmp.Sub("no/such/f"), "x", 0644, ".f.", ".tmp")
            .IsNotFound());
}

}  // namespace
}  // namespace dracpu
