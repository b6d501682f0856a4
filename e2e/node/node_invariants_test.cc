#include "e2e/node/node_invariants.h"

#include <catch2/catch.hpp>

namespace dracpu::e2e {
namespace {

// online 0-15, reserved 0, claims a = 2-3 and b = 8-11 Prepared: shared = 1,4-7,12-15.
AllocationState TwoClaims() {
  AllocationState state;
  state.set_api_version("dra.cpu/v1");
  state.set_online_cpus("0-15");
  state.set_reserved_cpus("0");
  for (auto [uid, cpus] : {std::pair{"a", "2-3"}, std::pair{"b", "8-11"}}) {
    ClaimAllocation& claim = (*state.mutable_claims())[uid];
    claim.set_uid(uid);
    claim.set_cpus(cpus);
    claim.set_phase(ClaimAllocation::PREPARED);
  }
  return state;
}

bool Mentions(const std::vector<std::string>& violations, const std::string& needle) {
  for (const std::string& v : violations) {
    if (v.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("a right node has no violations", "[invariants]") {
  std::vector<ContainerCpus> containers = {
      {"web/nginx", {"PATH=/bin"}, "1,4-7,12-15"},
      {"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"},
      {"pair/both", {"DRA_CPUSET_a=2-3", "DRA_CPUSET_b=8-11"}, "2-3,8-11"},
  };
  // pair/both holds a's CPUs too, so only a/app may go with it.
  containers.erase(containers.begin() + 1);
  CHECK(NodeViolations(TwoClaims(), containers).empty());
}

TEST_CASE("a shared container off the shared pool is reported", "[invariants]") {
  auto v = NodeViolations(TwoClaims(), {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"},
                                        {"b/app", {"DRA_CPUSET_b=8-11"}, "8-11"},
                                        {"web/nginx", {}, "1-7"}});
  REQUIRE(v.size() == 1);  // on a's CPUs and off 12-15: one container, one sentence
  CHECK(Mentions(v, "web/nginx runs on 1-7, not the shared pool 1,4-7,12-15"));
  CHECK(Mentions(NodeViolations(TwoClaims(), {{"web/nginx", {}, ""}}), "not confined"));
}

TEST_CASE("shared containers may keep a prepared claim's CPUs until its container exists",
          "[invariants]") {
  // Claim b (8-11) has no container yet: a shared container made before b was prepared still
  // runs on them (design.md §4 shrinks it with b's container), one made after does not.
  std::vector<ContainerCpus> containers = {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"},
                                           {"old/web", {}, "1,4-15"},
                                           {"new/web", {}, "1,4-7,12-15"}};
  CHECK(NodeViolations(TwoClaims(), containers).empty());
  // Never a CPU of a claim whose container runs, never less than the shared pool.
  CHECK(Mentions(NodeViolations(TwoClaims(),
                                {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"}, {"old/web", {}, "1-15"}}),
                 "old/web runs on 1-15, not the shared pool 1,4-7,12-15 (+ at most 8-11)"));
  CHECK(Mentions(NodeViolations(TwoClaims(), {{"old/web", {}, "1,4-7"}}), "old/web runs on 1,4-7"));
}

TEST_CASE("a claim container must hold exactly its claims' CPUs", "[invariants]") {
  CHECK(Mentions(NodeViolations(TwoClaims(), {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-4"}}),
                 "its claims hold 2-3"));
  CHECK(Mentions(NodeViolations(TwoClaims(), {{"x/app", {"DRA_CPUSET_zz=2"}, "2"}}),
                 "claim zz, which is not prepared"));
  AllocationState preparing = TwoClaims();
  (*preparing.mutable_claims())["a"].set_phase(ClaimAllocation::PREPARING);
  CHECK(Mentions(NodeViolations(preparing, {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"}}),
                 "still Preparing"));
}

TEST_CASE("two containers on one claim share CPUs: reported", "[invariants]") {
  auto v = NodeViolations(TwoClaims(), {{"a/app", {"DRA_CPUSET_a=2-3"}, "2-3"},
                                        {"thief/x", {"DRA_CPUSET_a=2-3"}, "2-3"}});
  CHECK(Mentions(v, "CPU 2 is held by a/app and by thief/x"));
}

TEST_CASE("overlapping claims and an empty shared pool are reported", "[invariants]") {
  AllocationState overlap = TwoClaims();
  (*overlap.mutable_claims())["b"].set_cpus("3-11");
  CHECK(Mentions(NodeViolations(overlap, {}), "state file"));
  AllocationState full = TwoClaims();
  (*full.mutable_claims())["b"].set_cpus("1,4-15");
  CHECK(Mentions(NodeViolations(full, {}), "shared pool is empty"));
}

}  // namespace
}  // namespace dracpu::e2e
