// Topology discovery time on generated 1024- and 4096-CPU sysfs trees (target: <= 50 ms at
// 4096). Prints the median and p99 over repetitions; never asserts (shared, noisy machines).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/sysfs_topology.h"
#include "common/testing/synthetic_sysfs.h"
#include "common/testing/synthetic_topology.h"
#include "common/testing/temp_dir.h"

namespace {

using dracpu::testing::SyntheticShape;

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int Bench(const SyntheticShape& shape, int repetitions) {
  dracpu::testing::TempDir dir("dracpu-bench");
  auto written = dracpu::testing::WriteSyntheticSysfs(shape, dir.path());
  if (!written.ok()) {
    std::fprintf(stderr, "cannot write tree: %s\n", written.ToString().c_str());
    return 1;
  }
  std::vector<double> ms;
  size_t cpus = 0;
  for (int i = 0; i < repetitions + 1; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto topology = dracpu::DiscoverTopology(dir.path());
    auto end = std::chrono::steady_clock::now();
    if (!topology.ok()) {
      std::fprintf(stderr, "discovery failed: %s\n", topology.status().ToString().c_str());
      return 1;
    }
    cpus = topology->cpus().size();
    if (i == 0) continue;  // the first run warms the dentry cache, as a node's /sys is warm
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::printf("discover %-12s %5zu CPUs  median %7.2f ms  p99 %7.2f ms  (%d runs, tree in %s)\n",
              shape.Name().c_str(), cpus, Percentile(ms, 0.5), Percentile(ms, 0.99), repetitions,
              dir.path().c_str());

  // The share of Topology::Build (no I/O) in the figure above, on the same facts.
  const std::vector<dracpu::CpuInfo> facts = dracpu::testing::SyntheticCpus(shape);
  std::vector<double> build_ms;
  for (int i = 0; i < repetitions; ++i) {
    std::vector<dracpu::CpuInfo> copy = facts;
    auto start = std::chrono::steady_clock::now();
    auto topology = dracpu::Topology::Build(std::move(copy));
    auto end = std::chrono::steady_clock::now();
    if (!topology.ok()) return 1;
    build_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::printf("  of which Topology::Build alone   median %7.2f ms  p99 %7.2f ms\n",
              Percentile(build_ms, 0.5), Percentile(build_ms, 0.99));
  return 0;
}

}  // namespace

int main() {
  int rc = Bench(dracpu::testing::Shape1024(), 50);
  rc |= Bench(dracpu::testing::Shape4096(), 30);
  std::printf("target: 4096 CPUs <= 50 ms\n");
  return rc;
}
