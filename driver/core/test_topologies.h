// Small hand-made machines for the driver core's unit tests (header-only, tests only).

#ifndef DRACPU_DRIVER_CORE_TEST_TOPOLOGIES_H_
#define DRACPU_DRIVER_CORE_TEST_TOPOLOGIES_H_

#include <vector>

#include "common/topology.h"

namespace dracpu::testing {

// 8 CPUs, x86 numbering: core c has threads c and c+4. Cores 0-1 on NUMA node 0 / socket 0,
// cores 2-3 on NUMA node 1 / socket 1; one L3 per socket.
inline Topology EightCpuTwoNode() {
  std::vector<CpuInfo> cpus;
  for (int id = 0; id < 8; ++id) {
    CpuInfo c;
    c.id = id;
    int core = id % 4;
    c.package = core / 2;
    c.numa_node = core / 2;
    c.core_cpus = {core, core + 4};
    c.l3_cpus = c.package == 0 ? CpuSet{0, 1, 4, 5} : CpuSet{2, 3, 6, 7};
    c.llc_cpus = c.l3_cpus;
    cpus.push_back(c);
  }
  return Topology::Build(cpus).value();
}

// 4 CPUs without SMT and without cache information; CPU 2 is a p-core, CPU 3 an e-core.
inline Topology FourCpuNoSmt() {
  std::vector<CpuInfo> cpus;
  for (int id = 0; id < 4; ++id) {
    CpuInfo c;
    c.id = id;
    c.core_cpus = {id};
    if (id == 2) c.core_type = CoreType::kPerformance;
    if (id == 3) c.core_type = CoreType::kEfficiency;
    cpus.push_back(c);
  }
  return Topology::Build(cpus).value();
}

}  // namespace dracpu::testing

#endif  // DRACPU_DRIVER_CORE_TEST_TOPOLOGIES_H_
