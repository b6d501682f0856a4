#include "common/testing/synthetic_topology.h"

#include <cstdlib>

namespace dracpu::testing {

std::string SyntheticShape::Name() const {
  return std::to_string(sockets) + "s" + std::to_string(numa_per_socket) + "n" +
         std::to_string(l3_per_numa) + "l" + std::to_string(cores_per_l3) + "c" +
         std::to_string(threads_per_core) + "t";
}

SyntheticShape Shape1024() { return {2, 8, 4, 8, 2, {}}; }
SyntheticShape Shape4096() { return {4, 8, 4, 16, 2, {}}; }

std::vector<CpuInfo> SyntheticCpus(const SyntheticShape& s) {
  const int cores = s.total_cores();
  const int cores_per_numa = s.l3_per_numa * s.cores_per_l3;
  const int cores_per_socket = s.numa_per_socket * cores_per_numa;
  std::vector<CpuInfo> cpus;
  cpus.reserve(s.total_cpus());
  for (int t = 0; t < s.threads_per_core; ++t) {
    for (int c = 0; c < cores; ++c) {
      CpuInfo info;
      info.id = t * cores + c;
      info.online = !s.offline.Contains(info.id);
      info.package = c / cores_per_socket;
      info.die = 0;
      info.numa_node = c / cores_per_numa;
      for (int tt = 0; tt < s.threads_per_core; ++tt) info.core_cpus.Add(tt * cores + c);
      int l3_first_core = c / s.cores_per_l3 * s.cores_per_l3;
      for (int tt = 0; tt < s.threads_per_core; ++tt) {
        for (int k = 0; k < s.cores_per_l3; ++k) info.l3_cpus.Add(tt * cores + l3_first_core + k);
      }
      info.llc_cpus = info.l3_cpus;
      cpus.push_back(info);
    }
  }
  return cpus;
}

Topology SyntheticTopology(const SyntheticShape& shape) {
  auto t = Topology::Build(SyntheticCpus(shape));
  if (!t.ok()) std::abort();  // a shape with no online CPU is a bug in the test itself
  return std::move(t).value();
}

}  // namespace dracpu::testing
