// Topology discovery from a sysfs tree (the real /sys or an extracted fixture).
//
// Reads, under <sysfs_root>/devices/system/:
//   cpu/cpuN                          which CPUs exist
//   cpu/online, else cpu/cpuN/online  which are online (a CPU without an online file, usually
//                                     cpu0, is online)
//   cpu/cpuN/topology/physical_package_id, die_id, core_id
//   cpu/cpuN/topology/{core_cpus,thread_siblings}[_list]   the CPUs of one core
//   cpu/cpuN/cache/indexK/{level,type,shared_cpu_list|shared_cpu_map}  L3 and last-level cache;
//                                     the folder number is not the level, so `level` decides
//   node/nodeN/{cpulist|cpumap|cpuM}, else cpu/cpuN/nodeM   NUMA node; no node/ folder = node 0
//   cpu/isolated                      isolated CPUs
// and <sysfs_root>/devices/cpu_core/cpus, cpu_atom/cpus for Intel hybrid core types.
//
// Required (a missing one is NotFound naming the path): the cpu/ folder with at least one cpuN,
// and for every online CPU its physical_package_id and one form of its core siblings. Anything
// else absent degrades to a default with one log line per kind of gap (not one per CPU). A file
// that exists but does not parse is InvalidArgument naming the path: a guessed value could
// hand out CPUs wrongly.
//
// Two kernel quirks are handled the way hwloc handles them:
//   - AMD compute units (Bulldozer): thread_siblings groups two CPUs with different core_id
//     values; they are separate cores, so the siblings are split by core_id.
//   - An empty shared_cpu_map (ia64) means the cache is private to the core.
//
// Offline CPUs are listed (online == false) with whatever facts the kernel still exposes for
// them; package, die or NUMA node are -1 when unknown. They never join a group.

#ifndef DRACPU_COMMON_SYSFS_TOPOLOGY_H_
#define DRACPU_COMMON_SYSFS_TOPOLOGY_H_

#include <string>

#include "common/status.h"
#include "common/topology.h"

namespace dracpu {

// sysfs_root is the folder mounted at /sys ("/sys" on a node, "<fixture>/sys" in tests).
StatusOr<Topology> DiscoverTopology(const std::string& sysfs_root);

}  // namespace dracpu

#endif  // DRACPU_COMMON_SYSFS_TOPOLOGY_H_
