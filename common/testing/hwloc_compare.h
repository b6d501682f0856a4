// Compares a discovered topology with hwloc's answer key (topology_fixtures.h), as sets of CPUs
// per group rather than counts, so that a wrong grouping with the right count still fails.
//
// Used twice: on the library's Topology and on the JSON that `dracpu-driver gatherinfo` prints,
// hence the neutral input shape.

#ifndef DRACPU_COMMON_TESTING_HWLOC_COMPARE_H_
#define DRACPU_COMMON_TESTING_HWLOC_COMPARE_H_

#include <map>
#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/testing/topology_fixtures.h"
#include "common/topology.h"

namespace dracpu::testing {

struct DiscoveredGroups {
  CpuSet all;  // every CPU reported, online or not
  CpuSet online;
  std::map<int, CpuSet> packages;    // by kernel package id (hwloc's P#), online CPUs only
  std::map<int, CpuSet> numa_nodes;  // by node id (hwloc's P#)
  std::vector<CpuSet> l3_groups;
  std::vector<CpuSet> cores;
  bool smt_enabled = false;
};

DiscoveredGroups GroupsOf(const Topology& topology);

// Every disagreement, one readable line each; empty when discovery matches hwloc.
//
// hwloc only shows objects holding a CPU of the dumping process's cpuset (`allowed`). Where
// that is narrower than the online CPUs (the 32amd64 cgroup dump), each kind of group is
// compared on the CPUs the key covers for that kind, and every discovered group must lie wholly
// inside or wholly outside that coverage. Otherwise the key must cover every online CPU.
std::vector<std::string> CompareWithHwloc(const HwlocKey& key, const DiscoveredGroups& found);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_HWLOC_COMPARE_H_
