// Property tests of AllocateCpus: many seeded random free sets and requests per shape, each
// answer checked by testing::CheckAllocationProperties (which never calls the allocator).

#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "common/allocator.h"
#include "common/sysfs_topology.h"
#include "common/testing/allocation_properties.h"
#include "common/testing/synthetic_topology.h"
#include "common/testing/topology_fixtures.h"

namespace dracpu {
namespace {

using testing::SyntheticShape;

int Below(std::mt19937& rng, int bound) { return bound <= 0 ? 0 : static_cast<int>(rng() % bound); }

// Busy patterns that leave whole cores, orphaned threads, whole free LLC groups and empty nodes.
CpuSet RandomFree(const Topology& t, std::mt19937& rng) {
  CpuSet free = t.online();
  const int percent = Below(rng, 101);
  switch (Below(rng, 4)) {
    case 0:  // single threads
      for (int id : t.online()) {
        if (Below(rng, 100) < percent) free.Remove(id);
      }
      break;
    case 1:  // whole cores, plus a few threads
      for (const auto& [core, cpus] : t.cores()) {
        if (Below(rng, 100) < percent) free -= cpus;
        if (Below(rng, 100) < 5) free.Remove(cpus.First());
      }
      break;
    case 2:  // whole LLC groups and NUMA nodes, plus threads
      for (const auto& [llc, cpus] : t.llc_groups()) {
        if (Below(rng, 100) < percent) free -= cpus;
      }
      for (const auto& [node, cpus] : t.numa_nodes()) {
        if (Below(rng, 100) < percent / 4) free -= cpus;
      }
      for (int id : t.online()) {
        if (Below(rng, 100) < 3) free.Remove(id);
      }
      break;
    default: break;  // all free
  }
  return free;
}

AllocationRequest RandomRequest(const Topology& t, const CpuSet& free, std::mt19937& rng) {
  AllocationRequest r;
  switch (Below(rng, 6)) {
    case 0:
    case 1:
    case 2: r.scope = AllocationScope::kMachine; break;
    case 3:
    case 4: {
      r.scope = AllocationScope::kNumaNode;
      auto it = std::next(t.numa_nodes().begin(), Below(rng, t.numa_nodes().size()));
      r.scope_id = it->first;
      break;
    }
    default: {
      r.scope = AllocationScope::kPackage;
      auto it = std::next(t.packages().begin(), Below(rng, t.packages().size()));
      r.scope_id = it->first;
    }
  }
  const int room = std::max(1, free.Size());
  switch (Below(rng, 5)) {
    case 0: r.cpus = 1 + Below(rng, 8); break;
    case 1: r.cpus = 2 * (1 + Below(rng, 32)); break;
    case 2: r.cpus = 1 + Below(rng, room); break;
    case 3: r.cpus = 1 + Below(rng, std::max(1, room / 8)); break;
    default: r.cpus = room - 2 + Below(rng, 4); break;  // near exhaustion, sometimes beyond
  }
  r.full_cores = Below(rng, 4) == 0;
  r.spread_numa = Below(rng, 4) == 0;
  return r;
}

void CheckShape(const Topology& t, uint32_t seed, int trials) {
  std::mt19937 rng(seed);
  const CpuAllocator allocator(t);
  int granted = 0;
  for (int i = 0; i < trials; ++i) {
    CpuSet free = RandomFree(t, rng);
    AllocationRequest r = RandomRequest(t, free, rng);
    StatusOr<CpuSet> got = allocator.Allocate(free, r);
    if (got.ok()) ++granted;
    Status props = testing::CheckAllocationProperties(t, free, r, got);
    INFO("seed " << seed << " trial " << i << ": " << props);
    REQUIRE(props.ok());
  }
  CHECK(granted > trials / 3);  // the generator must exercise success, not only refusals
}

// Copies of the synthetic CPUs with thread 1 removed from every core whose index satisfies
// `single`, as on hybrid parts whose efficiency cores have no SMT sibling.
Topology Hybrid(const SyntheticShape& shape, bool (*single)(int core)) {
  std::vector<CpuInfo> cpus = testing::SyntheticCpus(shape);
  const int cores = shape.total_cores();
  CpuSet gone;
  for (int c = 0; c < cores; ++c) {
    if (single(c)) gone.Add(c + cores);
  }
  std::vector<CpuInfo> kept;
  for (CpuInfo info : cpus) {
    if (gone.Contains(info.id)) continue;
    info.core_cpus -= gone;
    info.l3_cpus -= gone;
    info.llc_cpus -= gone;
    if (single(info.id % cores)) info.core_type = CoreType::kEfficiency;
    kept.push_back(info);
  }
  return *Topology::Build(kept);
}

Topology NoCache(const SyntheticShape& shape) {
  std::vector<CpuInfo> cpus = testing::SyntheticCpus(shape);
  for (CpuInfo& info : cpus) info.l3_cpus = info.llc_cpus = CpuSet();
  return *Topology::Build(cpus);
}

// Sub-NUMA clustering: one L3 per package shared by all its NUMA nodes.
Topology SharedL3(const SyntheticShape& shape) {
  std::vector<CpuInfo> cpus = testing::SyntheticCpus(shape);
  std::map<int, CpuSet> package_cpus;
  for (const CpuInfo& info : cpus) package_cpus[info.package].Add(info.id);
  for (CpuInfo& info : cpus) info.l3_cpus = info.llc_cpus = package_cpus[info.package];
  return *Topology::Build(cpus);
}

// The real machines in ../shared/topologies: AMD compute units, NUMA inside a socket, offline
// CPUs with a core left single-threaded, no L3 at all, 64 NUMA nodes.
TEST_CASE("Allocator properties hold on every real topology", "[allocator][property]") {
  const std::string dir = std::string(DRACPU_SHARED_DIR) + "/topologies";
  const std::vector<std::string> names = testing::FixtureNames(dir);
  REQUIRE(names.size() >= 8);
  uint32_t seed = 100;
  for (const std::string& name : names) {
    INFO("fixture " << name);
    auto fixture = testing::ExtractFixture(dir, name);
    REQUIRE(fixture.ok());
    auto topology = DiscoverTopology(fixture->sys_root);
    REQUIRE(topology.ok());
    CheckShape(*topology, seed++, 300);
  }
}

TEST_CASE("Allocator properties hold on the 1024-CPU shape", "[allocator][property]") {
  CheckShape(testing::SyntheticTopology(testing::Shape1024()), 1, 300);
}

TEST_CASE("Allocator properties hold on the 4096-CPU shape", "[allocator][property]") {
  CheckShape(testing::SyntheticTopology(testing::Shape4096()), 2, 100);
}

TEST_CASE("Allocator properties hold on hybrid-like shapes", "[allocator][property]") {
  // Every third core single-threaded, over 2 sockets x 2 nodes x 2 L3 groups.
  CheckShape(Hybrid(SyntheticShape{2, 2, 2, 6, 2, {}}, [](int c) { return c % 3 == 2; }), 3, 1000);
  // Only the last node single-threaded: odd requests must go there to stay whole.
  CheckShape(Hybrid(SyntheticShape{1, 4, 2, 4, 2, {}}, [](int c) { return c >= 24; }), 4, 1000);
  // Large enough for the sorted (not brute force) minimum with single-thread cores.
  CheckShape(Hybrid(SyntheticShape{2, 8, 2, 4, 2, {}}, [](int c) { return c % 16 == 5; }), 5, 400);
}

TEST_CASE("Allocator properties hold without cache information", "[allocator][property]") {
  CheckShape(NoCache(SyntheticShape{2, 2, 1, 8, 2, {}}), 6, 800);
}

TEST_CASE("Allocator properties hold with an L3 shared by NUMA nodes", "[allocator][property]") {
  CheckShape(SharedL3(SyntheticShape{2, 2, 1, 6, 2, {}}), 11, 800);
}

TEST_CASE("Allocator properties hold with offline CPUs", "[allocator][property]") {
  SyntheticShape small{2, 2, 2, 4, 2, CpuSet{0, 5, 33, 34, 35, 60}};
  CheckShape(testing::SyntheticTopology(small), 7, 1000);
  SyntheticShape big = testing::Shape1024();
  for (int id = 3; id < 1024; id += 13) big.offline.Add(id);
  CheckShape(testing::SyntheticTopology(big), 8, 200);
}

TEST_CASE("Allocator properties hold without SMT and with SMT4", "[allocator][property]") {
  CheckShape(testing::SyntheticTopology(SyntheticShape{2, 2, 2, 4, 1, {}}), 9, 800);
  CheckShape(testing::SyntheticTopology(SyntheticShape{1, 2, 2, 4, 4, {}}), 10, 800);
}

// The driver's grouped-mode callback knows the group's CPUs, not its kind and id: it asks for
// the whole machine with free restricted to the group, which must answer exactly as the scope.
TEST_CASE("Allocator answers a scope like the machine with free limited to it",
          "[allocator][property]") {
  Topology t = testing::SyntheticTopology(SyntheticShape{2, 2, 2, 4, 2, CpuSet{3, 40}});
  const CpuAllocator allocator(t);
  std::mt19937 rng(12);
  for (int i = 0; i < 500; ++i) {
    CpuSet free = RandomFree(t, rng);
    AllocationRequest scoped = RandomRequest(t, free, rng);
    if (scoped.scope == AllocationScope::kMachine) continue;
    const CpuSet& group = scoped.scope == AllocationScope::kPackage
                              ? t.packages().at(scoped.scope_id)
                              : t.numa_nodes().at(scoped.scope_id);
    AllocationRequest machine = scoped;
    machine.scope = AllocationScope::kMachine;
    StatusOr<CpuSet> a = allocator.Allocate(free, scoped);
    StatusOr<CpuSet> b = allocator.Allocate(free & group, machine);
    INFO(scoped.ToString() << " free " << free.ToString());
    REQUIRE(a.ok() == b.ok());
    if (a.ok()) {
      CHECK(*a == *b);
    } else {
      CHECK(a.status().code() == b.status().code());
    }
  }
}

}  // namespace
}  // namespace dracpu
