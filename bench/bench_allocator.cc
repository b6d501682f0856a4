// Time of one AllocateCpus call at 4096 CPUs (testing::Shape4096) with half the CPUs taken at
// random (seeded), per request size, default policy and with each option. Prints median and p99;
// the target is p99 <= 100 us. Figures only, nothing asserted: the machine is shared.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "common/allocator.h"
#include "common/testing/synthetic_topology.h"

namespace {

using dracpu::AllocationRequest;
using dracpu::CpuSet;

constexpr int kFreeSets = 50;
constexpr int kRepeats = 40;  // per free set: 2000 timed calls per line

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * (v.size() - 1))];
}

}  // namespace

int main() {
  const dracpu::Topology topo = dracpu::testing::SyntheticTopology(dracpu::testing::Shape4096());
  auto build_start = std::chrono::steady_clock::now();
  const dracpu::CpuAllocator allocator(topo);
  auto build_end = std::chrono::steady_clock::now();
  std::mt19937 rng(4096);
  std::vector<CpuSet> free_sets;
  for (int s = 0; s < kFreeSets; ++s) {
    std::vector<int> ids = topo.online().ToVector();
    std::shuffle(ids.begin(), ids.end(), rng);
    ids.resize(ids.size() / 2);  // the free half
    free_sets.push_back(CpuSet::FromVector(ids));
  }
  struct Variant {
    const char* name;
    bool full_cores, spread_numa;
  };
  const Variant variants[] = {
      {"default", false, false}, {"full-cores", true, false}, {"spread-numa", false, true}};
  std::printf("allocator: %d CPUs, half taken at random; %d calls per line\n", topo.online().Size(),
              kFreeSets * kRepeats);
  std::printf("CpuAllocator construction (once per topology): %.1f us\n",
              std::chrono::duration<double, std::micro>(build_end - build_start).count());
  std::printf("%-12s %6s %12s %12s %8s\n", "policy", "cpus", "median_us", "p99_us", "refused");
  for (const Variant& v : variants) {
    for (int n : {1, 4, 16, 64, 256}) {
      AllocationRequest r{n, dracpu::AllocationScope::kMachine, 0, v.full_cores, v.spread_numa};
      std::vector<double> us;
      int refused = 0;
      for (const CpuSet& free : free_sets) {
        for (int k = 0; k < kRepeats; ++k) {
          auto start = std::chrono::steady_clock::now();
          auto got = allocator.Allocate(free, r);
          auto end = std::chrono::steady_clock::now();
          if (!got.ok()) ++refused;
          us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
        }
      }
      std::printf("%-12s %6d %12.1f %12.1f %8d\n", v.name, n, Percentile(us, 0.5),
                  Percentile(us, 0.99), refused);
    }
  }
  return 0;
}
