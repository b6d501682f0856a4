#include "common/allocator.h"

#include <catch2/catch.hpp>
#include <random>

#include "common/testing/allocation_properties.h"
#include "common/testing/synthetic_topology.h"

namespace dracpu {
namespace {

using testing::SyntheticShape;
using testing::SyntheticTopology;

// Shapes below use the synthetic numbering: with C cores, thread 1 of core c is CPU c + C.

CpuSet Take(const Topology& t, const CpuSet& free, AllocationRequest r) {
  StatusOr<CpuSet> got = AllocateCpus(t, free, r);
  INFO(r.ToString() << " from " << free.ToString() << ": " << got.status());
  REQUIRE(got.ok());
  Status props = testing::CheckAllocationProperties(t, free, r, got);
  INFO(props);
  CHECK(props.ok());
  return *got;
}

Status::Code Refusal(const Topology& t, const CpuSet& free, AllocationRequest r) {
  StatusOr<CpuSet> got = AllocateCpus(t, free, r);
  INFO(r.ToString() << ": " << (got.ok() ? got->ToString() : got.status().ToString()));
  REQUIRE_FALSE(got.ok());
  CHECK(testing::CheckAllocationProperties(t, free, r, got).ok());
  return got.status().code();
}

AllocationRequest Cpus(int n) { return AllocationRequest{n}; }

TEST_CASE("Allocator keeps SMT siblings together and fills fragments first", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 1, 2, 4, 2, {}});  // 8 cores, 2 L3
  CpuSet all = t.online();
  CHECK(Take(t, all, Cpus(2)) == CpuSet({0, 8}));
  CHECK(Take(t, all, Cpus(4)) == CpuSet({0, 1, 8, 9}));
  // CPU 0 busy: one CPU goes to its orphaned sibling, two CPUs to a whole core.
  CpuSet free = all - CpuSet{0};
  CHECK(Take(t, free, Cpus(1)) == CpuSet({8}));
  CHECK(Take(t, free, Cpus(2)) == CpuSet({1, 9}));
  // An odd count splits exactly one core, after using the orphan.
  CHECK(Take(t, free, Cpus(3)) == CpuSet({8, 1, 9}));
}

TEST_CASE("Allocator prefers the best-fitting whole L3 group", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 1, 2, 4, 2, {}});
  CpuSet free = t.online() - CpuSet{0, 8};  // core 0 of L3 0 busy: L3 0 has 6 free, L3 1 has 8
  CHECK(Take(t, free, Cpus(6)) == CpuSet({1, 2, 3, 9, 10, 11}));
  CHECK(Take(t, free, Cpus(8)) == *CpuSet::Parse("4-7,12-15"));
  CHECK(Take(t, free, Cpus(4)) == CpuSet({1, 2, 9, 10}));
  // More than one group: the freest is taken whole, the rest goes to the other.
  CHECK(Take(t, free, Cpus(10)) == *CpuSet::Parse("1,4-7,9,12-15"));
}

TEST_CASE("Allocator packs into the fewest NUMA nodes and honours a NUMA scope", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 2, 1, 4, 2, {}});  // node 0: cores 0-3
  CpuSet free = t.online() - CpuSet{0, 8};
  CHECK(Take(t, free, Cpus(8)) == *CpuSet::Parse("4-7,12-15"));   // only node 1 holds 8
  CHECK(Take(t, free, Cpus(6)) == CpuSet({1, 2, 3, 9, 10, 11}));  // node 0 fits best
  AllocationRequest in_node1{4, AllocationScope::kNumaNode, 1};
  CHECK(Take(t, free, in_node1) == CpuSet({4, 5, 12, 13}));
  AllocationRequest too_many{7, AllocationScope::kNumaNode, 0};
  CHECK(Refusal(t, free, too_many) == Status::Code::kResourceExhausted);
  AllocationRequest package{14, AllocationScope::kPackage, 0};
  CHECK(Take(t, free, package) == free);
}

TEST_CASE("Allocator prefers the node that holds a request in one L3 group", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 2, 2, 4, 2, {}});  // L3 groups of 4 cores
  // Node 0 has 8 free CPUs split over both its L3 groups; node 1 has 14, 6 in one group.
  CpuSet free = t.online() - *CpuSet::Parse("0,1,4,5,8,16,17,20,21,24");
  CHECK(Take(t, free, Cpus(6)) == *CpuSet::Parse("9-11,25-27"));
}

TEST_CASE("Allocator gives the remainder to the node that fits it best", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 3, 1, 4, 2, {}});  // node i: cores 4i..4i+3
  // Node 0 has 8 free, node 1 has 4 (cores 6, 7), node 2 has 6 (cores 9-11).
  CpuSet free = t.online() - *CpuSet::Parse("4,5,8,16,17,20");
  CHECK(Take(t, free, Cpus(10)) == *CpuSet::Parse("0-3,6,12-15,18"));
}

TEST_CASE("Allocator takes a whole free socket when the request covers one", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{2, 2, 1, 2, 2, {}});  // 8 cores, 2 per node
  CpuSet free = t.online() - CpuSet{0};
  CHECK(Take(t, free, Cpus(8)) == *CpuSet::Parse("4-7,12-15"));
  // Twelve CPUs: socket 1 whole, then the fullest node of socket 0.
  CHECK(Take(t, free, Cpus(12)) == *CpuSet::Parse("2-7,10-15"));
}

TEST_CASE("Allocator refuses bad and impossible requests with clear codes", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 2, 1, 4, 2, {}});
  CpuSet all = t.online();
  CHECK(Refusal(t, all, Cpus(0)) == Status::Code::kInvalidArgument);
  CHECK(Refusal(t, all, Cpus(-3)) == Status::Code::kInvalidArgument);
  CHECK(Refusal(t, all, Cpus(17)) == Status::Code::kResourceExhausted);
  CHECK(Refusal(t, {}, Cpus(1)) == Status::Code::kResourceExhausted);
  CHECK(Refusal(t, all, AllocationRequest{1, AllocationScope::kNumaNode, 7}) ==
        Status::Code::kNotFound);
  CHECK(Refusal(t, all, AllocationRequest{1, AllocationScope::kPackage, 1}) ==
        Status::Code::kNotFound);
  CHECK(Refusal(t, all, AllocationRequest{1, static_cast<AllocationScope>(9)}) ==
        Status::Code::kInvalidArgument);
  StatusOr<CpuSet> got = AllocateCpus(t, CpuSet{1, 2}, AllocationRequest{3, {}, 0, true});
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().message().find("3 CPUs in the machine (full-cores)") != std::string::npos);
  CHECK(got.status().message().find("only 2 free") != std::string::npos);
}

TEST_CASE("Allocator with full-cores never splits a core", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 1, 1, 4, 2, {}});  // CPU c and c + 4
  AllocationRequest r{4, AllocationScope::kMachine, 0, true};
  CHECK(Take(t, t.online(), r) == CpuSet({0, 1, 4, 5}));
  r.cpus = 3;
  CHECK(Refusal(t, t.online(), r) == Status::Code::kFailedPrecondition);
  // Four free CPUs but every core half busy: full-cores fails, the default takes orphans.
  CpuSet orphans{0, 1, 2, 3};
  r.cpus = 2;
  CHECK(Refusal(t, orphans, r) == Status::Code::kFailedPrecondition);
  CHECK(Take(t, orphans, Cpus(2)) == CpuSet({0, 1}));
}

TEST_CASE("Allocator uses single-thread cores to stay whole on odd requests", "[allocator]") {
  // CPU 8 (core 0's sibling) offline: core 0 has one thread.
  Topology t = SyntheticTopology(SyntheticShape{1, 1, 1, 8, 2, CpuSet{8}});
  CpuSet everything = CpuSet::Range(0, 40);  // offline and unknown ids are ignored
  CHECK(Take(t, everything, Cpus(3)) == CpuSet({0, 1, 9}));
  CHECK(Take(t, everything, AllocationRequest{15, {}, 0, true}) == t.online());
  CHECK(Refusal(t, everything, Cpus(16)) == Status::Code::kResourceExhausted);
}

TEST_CASE("Allocator spreads evenly over NUMA nodes in whole cores", "[allocator]") {
  Topology t = SyntheticTopology(SyntheticShape{1, 4, 1, 2, 2, {}});  // node i: cores 2i, 2i+1
  AllocationRequest r{8, AllocationScope::kMachine, 0, false, true};
  CHECK(Take(t, t.online(), r) == CpuSet({0, 8, 2, 10, 4, 12, 6, 14}));
  // Node 0 full: its share moves to the freest other node (lowest id on ties).
  CpuSet free = t.online() - CpuSet{0, 1, 8, 9};
  CHECK(Take(t, free, r) == CpuSet({2, 3, 10, 11, 4, 12, 6, 14}));
  // An odd count cannot be whole cores: one thread per node, or a refusal with full-cores.
  r.cpus = 3;
  CHECK(Take(t, t.online(), r) == CpuSet({0, 2, 4}));
  r.full_cores = true;
  CHECK(Refusal(t, t.online(), r) == Status::Code::kFailedPrecondition);
}

TEST_CASE("Allocator output depends only on its inputs", "[allocator]") {
  Topology t = SyntheticTopology(testing::Shape1024());
  std::mt19937 rng(7);
  CpuSet free;
  for (int id : t.online()) {
    if (rng() % 3 != 0) free.Add(id);
  }
  CpuSet with_junk = free | CpuSet{5000, 8000};  // ids the machine does not have
  for (int n : {1, 3, 16, 100, 333}) {
    AllocationRequest r{n};
    StatusOr<CpuSet> a = AllocateCpus(t, free, r);
    StatusOr<CpuSet> b = AllocateCpus(t, free, r);
    StatusOr<CpuSet> c = AllocateCpus(t, with_junk, r);
    REQUIRE(a.ok());
    CHECK(*a == *b);
    CHECK(*a == *c);
  }
}

}  // namespace
}  // namespace dracpu
