#include "nri-plugin/policy/claim_env.h"

#include <catch2/catch.hpp>

namespace dracpu::nri {
namespace {

const std::string kUid = "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10";

TEST_CASE("ParseClaimEnv reads the entries the driver's CDI spec injects", "[claim_env]") {
  auto r = ParseClaimEnv({"PATH=/bin", "DRA_CPUSET_" + kUid + "=2-5", "DRA_CPUSET_abc=7",
                          "HOME=/root", "DRA_CPUSET_" + kUid + "=2-5"});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  CHECK((*r)[0] == ClaimEnv{kUid, CpuSet{2, 3, 4, 5}});
  CHECK((*r)[1] == ClaimEnv{"abc", CpuSet{7}});
  auto none = ParseClaimEnv({"PATH=/bin", "XDRA_CPUSET_a=1"});
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("ParseClaimEnv refuses malformed or forged entries", "[claim_env]") {
  for (const std::string& bad : std::vector<std::string>{
           std::string("DRA_CPUSET_") + kUid, "DRA_CPUSET=1", "DRA_CPUSETX=1", "DRA_CPUSET_=1",
           "DRA_CPUSET_a/../b=1", "DRA_CPUSET_a=", "DRA_CPUSET_a=3-1", "DRA_CPUSET_a=1,2",
           "DRA_CPUSET_a= 1", "DRA_CPUSET_a=0-99999",
           "DRA_CPUSET_" + std::string(64, 'a') + "=1"}) {
    INFO(bad);
    auto r = ParseClaimEnv({"A=b", bad});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().find(bad) != std::string::npos);
  }
  // The same claim twice with two values: which one did the runtime apply? Refuse.
  CHECK_FALSE(ParseClaimEnv({"DRA_CPUSET_a=1", "DRA_CPUSET_a=2"}).ok());
}

}  // namespace
}  // namespace dracpu::nri
