// WriteFileAtomicallyViaUniqueTemp and ReadAll (WriteFileAtomically is covered in
// state_store_test.cc).

#include "common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "common/scoped_fd.h"
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

TEST_CASE("ReadAll reads files of any size up to the limit, refuses one byte more",
          "[atomic_file]") {
  TempDir tmp;
  const std::string path = tmp.Sub("f");
  for (size_t size : {size_t{0}, size_t{1}, size_t{16383}, size_t{16384}, size_t{100000}}) {
    std::string content(size, 'x');
    for (size_t i = 0; i < size; i += 7) content[i] = static_cast<char>('a' + i % 26);
    REQUIRE(WriteFileAtomically(path, content, 0600).ok());
    INFO("size " << size);
    CHECK(ReadFileToString(path).value() == content);
    CHECK(ReadFileToString(path, size).value() == content);
    if (size > 0) CHECK(ReadFileToString(path, size - 1).status().IsResourceExhausted());
  }
}

TEST_CASE("ReadAll's limit applies to what it reads from the current offset, not the file size",
          "[atomic_file]") {
  TempDir tmp;
  const std::string path = tmp.Sub("f");
  REQUIRE(WriteFileAtomically(path, std::string(1000, 'a') + "tail", 0600).ok());
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  REQUIRE(::lseek(fd.get(), 1000, SEEK_SET) == 1000);
  CHECK(ReadAll(fd.get(), path, 10).value() == "tail");
}

TEST_CASE("ReadAll reads a pipe, which has no size to go by, with the same limit",
          "[atomic_file]") {
  for (size_t limit : {size_t{50000}, size_t{40000}}) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string content(45000, 'p');
    // A 64 KiB pipe buffer holds the whole content, so it is written before anyone reads.
    REQUIRE(::fcntl(fds[1], F_SETPIPE_SZ, 65536) >= 65536);
    REQUIRE(::write(fds[1], content.data(), content.size()) ==
            static_cast<ssize_t>(content.size()));
    ::close(fds[1]);
    StatusOr<std::string> read = ReadAll(fds[0], "pipe", limit);
    ::close(fds[0]);
    INFO("limit " << limit);
    if (limit >= content.size()) {
      CHECK(read.value() == content);
    } else {
      CHECK(read.status().IsResourceExhausted());
    }
  }
}

}  // namespace
}  // namespace dracpu
