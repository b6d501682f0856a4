#include "common/boot_id.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

void WriteBootId(const std::string& proc, const std::string& content) {
  std::filesystem::create_directories(proc + "/sys/kernel/random");
  std::ofstream(proc + "/sys/kernel/random/boot_id") << content;
}

TEST_CASE("ReadBootId reads the id under a configurable proc root", "[boot]") {
  testing::TempDir tmp;
  CHECK(ReadBootId(tmp.path()).status().IsNotFound());
  WriteBootId(tmp.path(), "2f0e7a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b\n");
  StatusOr<std::string> id = ReadBootId(tmp.path());
  REQUIRE(id.ok());
  CHECK(*id == "2f0e7a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b");
  WriteBootId(tmp.path(), "not a boot id\n");
  CHECK(ReadBootId(tmp.path()).status().IsInvalidArgument());
  WriteBootId(tmp.path(), "");
  CHECK(ReadBootId(tmp.path()).status().IsInvalidArgument());
}

TEST_CASE("ReadBootId works on this machine's /proc", "[boot]") {
  StatusOr<std::string> id = ReadBootId("/proc");
  REQUIRE(id.ok());
  CHECK(id->size() == 36);
}

TEST_CASE("DropClaimsOfOtherBoot drops claims only from another boot", "[boot]") {
  AllocationState s;
  (*s.mutable_claims())["b"].set_cpus("1");
  (*s.mutable_claims())["a"].set_cpus("2");
  SECTION("same boot keeps everything") {
    s.set_boot_id("boot-1");
    CHECK(DropClaimsOfOtherBoot(&s, "boot-1").empty());
    CHECK(s.claims_size() == 2);
  }
  SECTION("no boot recorded yet (fresh file) keeps everything and records the boot") {
    CHECK(DropClaimsOfOtherBoot(&s, "boot-1").empty());
    CHECK(s.claims_size() == 2);
    CHECK(s.boot_id() == "boot-1");
  }
  SECTION("another boot drops every claim") {
    s.set_boot_id("boot-0");
    CHECK(DropClaimsOfOtherBoot(&s, "boot-1") == std::vector<std::string>{"a", "b"});
    CHECK(s.claims_size() == 0);
    CHECK(s.boot_id() == "boot-1");
  }
}

}  // namespace
}  // namespace dracpu
