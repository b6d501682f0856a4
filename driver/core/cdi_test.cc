#include "driver/core/cdi.h"

#include <cpprest/json.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/atomic_file.h"
#include "common/testing/temp_dir.h"

namespace dracpu::cdi {
namespace {

constexpr char kUid[] = "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10";

std::string ReadFile(const std::string& path) {
  StatusOr<std::string> text = ReadFileToString(path);
  REQUIRE(text.ok());
  return *text;
}

// The JSON block of cdi.md §1.4.
std::string SpecExample() {
  std::string md = ReadFile(std::string(DRACPU_SHARED_DIR) + "/spec/cdi.md");
  size_t section = md.find("### 1.4");
  REQUIRE(section != std::string::npos);
  size_t start = md.find("```json\n", section);
  REQUIRE(start != std::string::npos);
  start += 8;
  size_t end = md.find("```", start);
  return md.substr(start, end - start);
}

using dracpu::testing::ListDir;
using dracpu::testing::TempDir;

TEST_CASE("spec content is cdi.md's example byte for byte") {
  std::string content = SpecContent(kUid, CpuSet::Parse("2-5").value()).value();
  CHECK(content == SpecExample());
  auto json = web::json::value::parse(content);
  CHECK(json.at("cdiVersion").as_string() == "0.3.0");
}

TEST_CASE("names and ids") {
  CHECK(DeviceName(kUid) == std::string("claim-") + kUid);
  CHECK(DeviceId(kUid) == std::string("dra.k8s.io/cpu=claim-") + kUid);
  CHECK(SpecFileName(kUid) == std::string("dra.k8s.io-cpu_claim-") + kUid + ".json");
  CHECK(EnvEntry("u", CpuSet{0, 1, 2, 3, 8, 10, 11}) == "DRA_CPUSET_u=0-3,8,10-11");
}

TEST_CASE("unsafe or malformed UIDs are refused everywhere") {
  TempDir dir;
  for (const std::string& bad :
       std::vector<std::string>{"", "../etc", "a/b", "a.b", "-abc", "abc-", "a b", "a\nb",
                                std::string(129, 'a'), std::string("a\0b", 3)}) {
    INFO(bad);
    CHECK(ValidateClaimUid(bad).IsInvalidArgument());
    CHECK_FALSE(SpecContent(bad, {1}).ok());
    CHECK_FALSE(WriteSpec(dir.path(), bad, {1}).ok());
    CHECK_FALSE(RemoveSpec(dir.path(), bad).ok());
  }
  CHECK(ListDir(dir.path()).empty());
  CHECK(ValidateClaimUid(kUid).ok());
  CHECK(ValidateClaimUid(std::string(128, 'a')).ok());
}

TEST_CASE("write is atomic, 0644, idempotent, and leaves no temp file") {
  TempDir dir;
  const std::string sub = dir.path() + "/run/cdi";  // created on demand
  REQUIRE(WriteSpec(sub, kUid, {2, 3, 4, 5}).ok());
  const std::string path = sub + "/" + SpecFileName(kUid);
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  CHECK(ReadFile(path) == SpecContent(kUid, {2, 3, 4, 5}).value());
  REQUIRE(WriteSpec(sub, kUid, {2, 3, 4, 5}).ok());
  REQUIRE(WriteSpec(sub, kUid, {7}).ok());
  CHECK(ReadSpec(sub, kUid).value() == CpuSet{7});
  CHECK(ListDir(sub) == std::vector<std::string>{SpecFileName(kUid)});
  CHECK_FALSE(WriteSpec(sub, kUid, {}).ok());  // no CPUs
}

TEST_CASE("remove, list and stale temp files") {
  TempDir dir;
  CHECK(ListClaimUids(dir.path() + "/missing").value().empty());
  REQUIRE(WriteSpec(dir.path(), "bbb", {1}).ok());
  REQUIRE(WriteSpec(dir.path(), "aaa", {2}).ok());
  std::ofstream(dir.path() + "/k8s.gpu.nvidia.com-claim_x.yaml") << "x";
  std::ofstream(dir.path() + "/dra.k8s.io-cpu_claim-bad.uid.json") << "{}";
  std::ofstream(dir.path() + "/.dra.k8s.io-cpu_claim-ccc.AbC123.tmp") << "{";
  std::ofstream(dir.path() + "/spec.123456.tmp") << "{";  // another driver's temp: not ours
  CHECK(ListClaimUids(dir.path()).value() == std::vector<std::string>{"aaa", "bbb"});
  CHECK(RemoveStaleTempFiles(dir.path()).value() == 1);
  CHECK(RemoveStaleTempFiles(dir.path()).value() == 0);
  REQUIRE(RemoveSpec(dir.path(), "aaa").ok());
  CHECK(RemoveSpec(dir.path(), "aaa").ok());  // missing is success
  CHECK(ListClaimUids(dir.path()).value() == std::vector<std::string>{"bbb"});
  CHECK(ListDir(dir.path()).size() == 4);  // bbb, the gpu file, bad.uid, spec.123456.tmp
}

TEST_CASE("read back: missing and hand-edited files") {
  TempDir dir;
  CHECK(ReadSpec(dir.path(), "abc").status().IsNotFound());
  REQUIRE(WriteSpec(dir.path(), "abc", {1, 2}).ok());
  CHECK(ReadSpec(dir.path(), "abc").value() == CpuSet{1, 2});
  const std::string path = dir.path() + "/" + SpecFileName("abc");
  std::string text = ReadFile(path);
  std::ofstream(path) << text.substr(0, text.size() / 2);
  CHECK(ReadSpec(dir.path(), "abc").status().IsCorruption());
  std::ofstream(path) << SpecContent("abd", {1, 2}).value();  // another claim's content
  CHECK(ReadSpec(dir.path(), "abc").status().IsCorruption());
}

}  // namespace
}  // namespace dracpu::cdi
