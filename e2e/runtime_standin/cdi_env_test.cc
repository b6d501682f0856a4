// CDI env as a runtime applies it: strict parsing, resolution across folders, replace-in-place.

#include "e2e/runtime_standin/cdi_env.h"

#include <catch2/catch.hpp>

#include "common/testing/temp_dir.h"
#include "driver/core/cdi.h"

namespace dracpu::standin {
namespace {

using testing::TempDir;
using testing::WriteFileForTest;

const char kUid[] = "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10";

TEST_CASE("ParseCdiSpec reads what the driver writes") {
  StatusOr<std::string> text = cdi::SpecContent(kUid, *CpuSet::Parse("2-5"));
  REQUIRE(text.ok());
  StatusOr<CdiSpecEnv> spec = ParseCdiSpec(*text);
  REQUIRE(spec.ok());
  CHECK(spec->kind == "dra.k8s.io/cpu");
  REQUIRE(spec->device.count(std::string("claim-") + kUid) == 1);
  CHECK(spec->device.at(std::string("claim-") + kUid) ==
        std::vector<std::string>{std::string("DRA_CPUSET_") + kUid + "=2-5"});
}

TEST_CASE("ParseCdiSpec refuses what runtimes refuse") {
  const char* bad[] = {
      "not json",
      R"({"cdiVersion":"0.3.0","kind":"a/b","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}],"extra":1})",
      R"({"cdiVersion":"9.9.9","kind":"a/b","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]})",
      R"({"cdiVersion":"0.3.0","kind":"ab","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]})",
      R"({"cdiVersion":"0.3.0","kind":"a/b","devices":[]})",
      R"({"cdiVersion":"0.3.0","kind":"a/b","devices":[{"name":"x","containerEdits":{"env":["=1"]}}]})",
      R"({"cdiVersion":"0.3.0","kind":"a/b","devices":[{"name":"x","containerEdits":{"envs":[]}}]})",
  };
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(ParseCdiSpec(text).ok());
  }
}

TEST_CASE("ApplyEnvEdits replaces an existing name in place and appends new ones") {
  std::vector<std::string> env = {"A=1", "DRA_CPUSET_x=0-63", "B=2"};
  ApplyEnvEdits({"DRA_CPUSET_x=4", "C=3"}, &env);
  CHECK(env == std::vector<std::string>{"A=1", "DRA_CPUSET_x=4", "B=2", "C=3"});
  ApplyEnvEdits({"A="}, &env);
  CHECK(env[0] == "A=");
}

TEST_CASE("CdiCache resolves ids, fails unknown ones, drops same-folder conflicts") {
  TempDir low, high;
  REQUIRE(cdi::WriteSpec(high.path(), kUid, *CpuSet::Parse("1")).ok());
  const std::string id = cdi::DeviceId(kUid);
  // A lower-priority folder defining the same device loses.
  REQUIRE(WriteFileForTest(
              low.Sub("old.json"),
              R"({"cdiVersion":"0.3.0","kind":"dra.k8s.io/cpu","devices":[{"name":"claim-)" +
                  std::string(kUid) + R"(","containerEdits":{"env":["DRA_CPUSET_x=9"]}}]})")
              .ok());
  CdiCache cache({low.path(), high.path()});
  cache.Refresh();
  StatusOr<std::vector<std::string>> env = cache.EnvFor({id});
  REQUIRE(env.ok());
  CHECK(*env == std::vector<std::string>{std::string("DRA_CPUSET_") + kUid + "=1"});

  StatusOr<std::vector<std::string>> missing = cache.EnvFor({id, "dra.k8s.io/cpu=claim-nope"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("unresolvable CDI devices dra.k8s.io/cpu=claim-nope") !=
        std::string::npos);

  // The same device twice in the highest folder: a conflict, so it no longer resolves.
  REQUIRE(
      WriteFileForTest(high.Sub("copy.json"), *cdi::SpecContent(kUid, *CpuSet::Parse("3"))).ok());
  cache.Refresh();
  CHECK_FALSE(cache.EnvFor({id}).ok());
  CHECK_FALSE(cache.errors().empty());

  // A rewritten file is read again (size differs), a temp file is ignored.
  REQUIRE(unlink(high.Sub("copy.json").c_str()) == 0);
  REQUIRE(WriteFileForTest(high.Sub("spec.tmp"), "garbage").ok());
  REQUIRE(cdi::WriteSpec(high.path(), kUid, *CpuSet::Parse("10-11")).ok());
  cache.Refresh();
  env = cache.EnvFor({id});
  REQUIRE(env.ok());
  CHECK(env->at(0) == std::string("DRA_CPUSET_") + kUid + "=10-11");
}

}  // namespace
}  // namespace dracpu::standin
