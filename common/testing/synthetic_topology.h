// Synthetic machines of a regular shape, for tests and benchmarks at sizes no fixture has
// (1024 and 4096 CPUs). Pure: SyntheticCpus returns the per-CPU facts; the sysfs writer
// (testing/synthetic_sysfs.h) lays the same shape out as a tree for discovery tests.
//
// Numbering follows what x86 Linux does: thread t of global core c is CPU t * total_cores + c,
// so the SMT siblings of CPU c are c, c + total_cores, ...; cores are numbered socket by socket,
// NUMA node by NUMA node, L3 by L3.

#ifndef DRACPU_COMMON_TESTING_SYNTHETIC_TOPOLOGY_H_
#define DRACPU_COMMON_TESTING_SYNTHETIC_TOPOLOGY_H_

#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/topology.h"

namespace dracpu::testing {

struct SyntheticShape {
  int sockets = 1;
  int numa_per_socket = 1;
  int l3_per_numa = 1;
  int cores_per_l3 = 4;
  int threads_per_core = 2;
  CpuSet offline;  // CPUs reported but offline

  int total_cores() const { return sockets * numa_per_socket * l3_per_numa * cores_per_l3; }
  int total_cpus() const { return total_cores() * threads_per_core; }
  // "2s8n4l8c2t"
  std::string Name() const;
};

// 2 sockets x 8 NUMA x 4 L3 x 8 cores x 2 threads = 1024 CPUs.
SyntheticShape Shape1024();
// 4 sockets x 8 NUMA x 4 L3 x 16 cores x 2 threads = 4096 CPUs.
SyntheticShape Shape4096();

std::vector<CpuInfo> SyntheticCpus(const SyntheticShape& shape);
// REQUIRES: shape has at least one online CPU.
Topology SyntheticTopology(const SyntheticShape& shape);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_SYNTHETIC_TOPOLOGY_H_
