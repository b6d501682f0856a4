// Lays out a synthetic machine (testing/synthetic_topology.h) as a sysfs tree, so that
// DiscoverTopology can be tested and benchmarked at sizes no real fixture has (1024, 4096 CPUs).
//
// The tree uses the modern file names (core_cpus_list, package_cpus_list, die_id,
// shared_cpu_list, node/nodeN/cpulist, a global cpu/online) and the same numbering as
// SyntheticCpus: discovering it yields SyntheticCpus(shape) for every online CPU. Offline CPUs
// get only cpuN/online = 0, as a real kernel removes their topology/ and cache/ folders.
// Caches: index0 L1 Data, index1 L1 Instruction, index2 L2 per core, index3 L3 per L3 group.

#ifndef DRACPU_COMMON_TESTING_SYNTHETIC_SYSFS_H_
#define DRACPU_COMMON_TESTING_SYNTHETIC_SYSFS_H_

#include <string>

#include "common/status.h"
#include "common/testing/synthetic_topology.h"

namespace dracpu::testing {

// Writes <sysfs_root>/devices/system/{cpu,node}/... for `shape`.
// REQUIRES: sysfs_root is an existing, writable, empty folder.
Status WriteSyntheticSysfs(const SyntheticShape& shape, const std::string& sysfs_root);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_SYNTHETIC_SYSFS_H_
