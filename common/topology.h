// Topology: the CPUs of one node and the groups they belong to, as plain values.
//
// Built from per-CPU facts (CpuInfo) by Topology::Build, which derives every group index, so
// the same value can come from sysfs (sysfs_topology.h), a synthetic generator
// (testing/synthetic_sysfs.h) or a test literal. Nothing here does I/O.
//
// Ids: `id`, `package`, `die` and `numa_node` are the kernel's numbers. `core`, `l3` and `llc`
// are node-unique indexes assigned by Build in order of each group's lowest CPU id, because the
// kernel's core_id repeats across packages (and even inside one on some AMD parts) and caches
// have no global id.
//
// Only online CPUs belong to groups: offline CPUs appear in cpus() with online == false and are
// never allocatable. Group maps hold only groups with at least one online CPU.

#ifndef DRACPU_COMMON_TOPOLOGY_H_
#define DRACPU_COMMON_TOPOLOGY_H_

#include <map>
#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu {

enum class CoreType { kStandard, kPerformance, kEfficiency };

// "standard", "p-core", "e-core": the spelling used by gatherinfo and the dra.cpu/coreType
// attribute.
const char* CoreTypeName(CoreType type);

struct CpuInfo {
  int id = -1;
  bool online = true;
  int package = 0;
  int die = 0;
  int numa_node = 0;
  // The CPUs sharing this CPU's core (thread_siblings_list / core_cpus_list), itself included,
  // as the kernel reports them (offline siblings included).
  CpuSet core_cpus;
  // The CPUs sharing this CPU's L3 cache; empty when the machine has no L3.
  CpuSet l3_cpus;
  // The CPUs sharing this CPU's last-level cache (L3, else the highest level present); empty
  // when no cache information exists.
  CpuSet llc_cpus;
  CoreType core_type = CoreType::kStandard;

  // Filled by Topology::Build; -1 for offline CPUs and absent caches.
  int core = -1;
  int l3 = -1;
  int llc = -1;
};

class Topology {
 public:
  Topology() = default;

  // Derives group indexes and sets from per-CPU facts.
  // REQUIRES: ids unique and within [0, CpuSet::kMaxCpuId]. Returns InvalidArgument otherwise,
  // or when no CPU is online.
  static StatusOr<Topology> Build(std::vector<CpuInfo> cpus, CpuSet isolated = {});

  // All CPUs known to the kernel, ascending by id, online or not.
  const std::vector<CpuInfo>& cpus() const { return cpus_; }
  // nullptr when the id is unknown.
  const CpuInfo* cpu(int id) const;

  const CpuSet& online() const { return online_; }
  const CpuSet& isolated() const { return isolated_; }

  // Online CPUs of each group, keyed by the group's id (kernel id for packages and NUMA nodes,
  // node-unique index for cores, L3 and LLC groups).
  const std::map<int, CpuSet>& packages() const { return packages_; }
  const std::map<int, CpuSet>& numa_nodes() const { return numa_nodes_; }
  const std::map<int, CpuSet>& cores() const { return cores_; }
  const std::map<int, CpuSet>& l3_groups() const { return l3_groups_; }
  const std::map<int, CpuSet>& llc_groups() const { return llc_groups_; }

  // Online CPUs sharing a core with `cpu` (itself included); empty for unknown/offline CPUs.
  CpuSet CoreSiblings(int cpu) const;
  // True when any online core has more than one online thread.
  bool smt_enabled() const { return smt_enabled_; }

 private:
  std::vector<CpuInfo> cpus_;
  std::vector<int> index_by_id_;  // id -> position in cpus_, or -1
  CpuSet online_, isolated_;
  std::map<int, CpuSet> packages_, numa_nodes_, cores_, l3_groups_, llc_groups_;
  bool smt_enabled_ = false;
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_TOPOLOGY_H_
