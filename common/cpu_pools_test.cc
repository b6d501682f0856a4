#include "common/cpu_pools.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

namespace dracpu {
namespace {

void Claim(AllocationState* s, const std::string& uid, const std::string& cpus) {
  (*s->mutable_claims())[uid].set_cpus(cpus);
}

TEST_CASE("ExclusiveCpus is the union of the claims' cpusets", "[pools]") {
  AllocationState s;
  CHECK(ExclusiveCpus(s)->Empty());
  Claim(&s, "u1", "2-3");
  Claim(&s, "u2", "8,10-11");
  Claim(&s, "u3", "");  // a claim with no CPUs yet takes nothing
  StatusOr<CpuSet> ex = ExclusiveCpus(s);
  REQUIRE(ex.ok());
  CHECK(ex->ToString() == "2-3,8,10-11");
}

TEST_CASE("ExclusiveCpus refuses malformed and overlapping claims, naming them", "[pools]") {
  AllocationState s;
  Claim(&s, "u1", "2-3");
  SECTION("malformed") {
    Claim(&s, "bad", "3-1");
    StatusOr<CpuSet> ex = ExclusiveCpus(s);
    REQUIRE(!ex.ok());
    CHECK(ex.status().message().find("claim bad") != std::string::npos);
  }
  SECTION("overlap") {
    Claim(&s, "u2", "3-4");
    StatusOr<CpuSet> ex = ExclusiveCpus(s);
    REQUIRE(!ex.ok());
    CHECK(ex.status().message() == "claims u1 and u2 both hold CPU 3");
  }
}

TEST_CASE("OverlappingClaims lists every claim sharing a CPU, and only those", "[pools]") {
  CHECK(OverlappingClaims({}).empty());
  CHECK(OverlappingClaims({{"a", {1, 2}}, {"b", {3}}, {"c", {}}}).empty());
  // a-b share 2, b-c share 5; d is disjoint; e (empty) overlaps nothing.
  std::map<std::string, ClaimOverlap> o =
      OverlappingClaims({{"a", {1, 2}}, {"b", {2, 5}}, {"c", {5, 6}}, {"d", {7}}, {"e", {}}});
  REQUIRE(o.size() == 3);
  CHECK(o.at("a").other == "b");
  CHECK(o.at("a").cpu == 2);
  CHECK(o.at("b").other == "a");
  CHECK(o.at("c").other == "b");
  CHECK(o.at("c").cpu == 5);
  CHECK(DescribeOverlap("c", o.at("c")) == "claims b and c both hold CPU 5");
  CHECK(DescribeOverlap("a", o.at("a")) == "claims a and b both hold CPU 2");
}

TEST_CASE("SharedPool is online minus reserved minus exclusive", "[pools]") {
  CHECK(SharedPool(CpuSet::Range(0, 7), {0}, {2, 3}).ToString() == "1,4-7");
  CHECK(SharedPool(CpuSet::Range(0, 3), {0, 1}, {2, 3}).Empty());
  // Reserved or exclusive ids beyond online (offline CPUs) change nothing.
  CHECK(SharedPool(CpuSet::Range(0, 3), {9}, {12}).ToString() == "0-3");
}

TEST_CASE("PoolsFromState computes all pools from the state's fields", "[pools]") {
  AllocationState s;
  s.set_online_cpus("0-15");
  s.set_reserved_cpus("0,8");
  Claim(&s, "u1", "1-2");
  Claim(&s, "u2", "9-10");
  StatusOr<CpuPools> p = PoolsFromState(s);
  REQUIRE(p.ok());
  CHECK(p->exclusive.ToString() == "1-2,9-10");
  CHECK(p->shared.ToString() == "3-7,11-15");
  s.set_reserved_cpus("0-x");
  StatusOr<CpuPools> bad = PoolsFromState(s);
  REQUIRE(!bad.ok());
  CHECK(bad.status().message().find("reservedCpus") != std::string::npos);
}

}  // namespace
}  // namespace dracpu
