#include "common/sysfs.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

using testing::TempDir;
using testing::WriteFileForTest;

TEST_CASE("TrimTrailing drops NULs and whitespace at the end only", "[sysfs]") {
  CHECK(sysfs::TrimTrailing(std::string_view("0-3\n\0", 5)) == "0-3");
  CHECK(sysfs::TrimTrailing("0-3\n\n\n") == "0-3");
  CHECK(sysfs::TrimTrailing(std::string_view("1\0\n\0", 4)) == "1");
  CHECK(sysfs::TrimTrailing(" 0-3 \r\n") == " 0-3");
  CHECK(sysfs::TrimTrailing("\n").empty());
}

TEST_CASE("ReadTrimmed tells absent files from unreadable ones", "[sysfs]") {
  TempDir dir;
  REQUIRE(WriteFileForTest(dir.path() + "/boot_id", "6f1c-2b\n").ok());
  auto text = sysfs::ReadTrimmed(dir.path() + "/boot_id");
  REQUIRE(text.ok());
  CHECK(*text == "6f1c-2b");

  auto missing = sysfs::ReadTrimmed(dir.path() + "/nope");
  CHECK(missing.status().IsNotFound());
  CHECK(missing.status().message().find(dir.path() + "/nope") != std::string::npos);
  // A path through a regular file is ENOTDIR: still "absent".
  CHECK(sysfs::ReadTrimmed(dir.path() + "/boot_id/x").status().IsNotFound());
  // A folder exists but cannot be read as a file.
  auto folder = sysfs::ReadTrimmed(dir.path());
  CHECK(folder.status().code() == Status::Code::kIOError);
}

TEST_CASE("ReadTrimmed refuses oversized files", "[sysfs]") {
  TempDir dir;
  REQUIRE(WriteFileForTest(dir.path() + "/big", std::string(sysfs::kMaxFileSize + 10, '1')).ok());
  CHECK(sysfs::ReadTrimmed(dir.path() + "/big").status().code() == Status::Code::kIOError);
}

TEST_CASE("cpulist, mask and integer readers parse trimmed content", "[sysfs]") {
  TempDir dir;
  const std::string p = dir.path();
  REQUIRE(WriteFileForTest(p + "/list", std::string("0-2,8\n\0", 7)).ok());
  REQUIRE(WriteFileForTest(p + "/mask", "00000000,0000010f\n").ok());
  REQUIRE(WriteFileForTest(p + "/int", "42\n\n").ok());
  REQUIRE(WriteFileForTest(p + "/neg", "-1\n").ok());
  REQUIRE(WriteFileForTest(p + "/bad_list", "0-x\n").ok());
  REQUIRE(WriteFileForTest(p + "/bad_int", "4 2\n").ok());
  REQUIRE(WriteFileForTest(p + "/empty", "\n").ok());

  auto list = sysfs::ReadCpuList(p + "/list");
  REQUIRE(list.ok());
  CHECK(*list == CpuSet({0, 1, 2, 8}));
  auto mask = sysfs::ReadCpuMask(p + "/mask");
  REQUIRE(mask.ok());
  CHECK(*mask == CpuSet({0, 1, 2, 3, 8}));
  auto empty = sysfs::ReadCpuList(p + "/empty");
  REQUIRE(empty.ok());
  CHECK(empty->Empty());
  CHECK(*sysfs::ReadInt(p + "/int") == 42);
  CHECK(*sysfs::ReadInt(p + "/neg") == -1);

  auto bad = sysfs::ReadCpuList(p + "/bad_list");
  CHECK(bad.status().IsInvalidArgument());
  CHECK(bad.status().message().find(p + "/bad_list") != std::string::npos);
  CHECK(sysfs::ReadInt(p + "/bad_int").status().IsInvalidArgument());
  CHECK(sysfs::ReadInt(p + "/empty").status().IsInvalidArgument());
  CHECK(sysfs::ReadCpuMask(p + "/empty").status().IsInvalidArgument());
  CHECK(sysfs::ReadInt(p + "/missing").status().IsNotFound());
}

TEST_CASE("Dir reads relative to an open folder and names full paths", "[sysfs]") {
  TempDir dir;
  REQUIRE(WriteFileForTest(dir.path() + "/cpu3/topology/core_id", std::string("7\n\0", 3)).ok());
  REQUIRE(WriteFileForTest(dir.path() + "/cpu3/list", "0-1\n").ok());
  REQUIRE(WriteFileForTest(dir.path() + "/cpu3/mask", "3\n").ok());
  CHECK(sysfs::Dir::Open(dir.path() + "/none").status().IsNotFound());
  auto opened = sysfs::Dir::Open(dir.path());
  REQUIRE(opened.ok());
  sysfs::Dir d = std::move(opened).value();
  CHECK(*d.ReadInt("cpu3/topology/core_id") == 7);
  CHECK(*d.ReadCpuList("cpu3/list") == CpuSet({0, 1}));
  CHECK(*d.ReadCpuMask("cpu3/mask") == CpuSet({0, 1}));
  CHECK(*d.ReadTrimmed("cpu3/list") == "0-1");
  auto missing = d.ReadInt("cpu4/online");
  CHECK(missing.status().IsNotFound());
  CHECK(missing.status().message().find(dir.path() + "/cpu4/online") != std::string::npos);
  auto bad = d.ReadInt("cpu3/list");
  CHECK(bad.status().IsInvalidArgument());
  CHECK(bad.status().message().find(dir.path() + "/cpu3/list") != std::string::npos);
}

TEST_CASE("ListDir and NumberAfterPrefix", "[sysfs]") {
  TempDir dir;
  REQUIRE(WriteFileForTest(dir.path() + "/cpu0/x", "").ok());
  REQUIRE(WriteFileForTest(dir.path() + "/online", "").ok());
  auto names = sysfs::ListDir(dir.path());
  REQUIRE(names.ok());
  CHECK(names->size() == 2);
  CHECK(sysfs::ListDir(dir.path() + "/none").status().IsNotFound());

  CHECK(sysfs::NumberAfterPrefix("cpu12", "cpu") == 12);
  CHECK(sysfs::NumberAfterPrefix("cpu0", "cpu") == 0);
  CHECK(sysfs::NumberAfterPrefix("cpufreq", "cpu") == -1);
  CHECK(sysfs::NumberAfterPrefix("cpu", "cpu") == -1);
  CHECK(sysfs::NumberAfterPrefix("cpu-1", "cpu") == -1);
  CHECK(sysfs::NumberAfterPrefix("cpu+1", "cpu") == -1);
  CHECK(sysfs::NumberAfterPrefix("cpu99999999999", "cpu") == -1);
  CHECK(sysfs::NumberAfterPrefix("index3", "index") == 3);
}

}  // namespace
}  // namespace dracpu
