// CpuAllocator / AllocateCpus: which free CPUs an exclusive request gets. Allocate is a pure
// function of plain values (the Topology indexed at construction, a CpuSet, an AllocationRequest):
// no I/O, no logging, no mutable state, so the driver can call it under its state-file lock and
// tests can call it millions of times.
//
// Terms (all restricted to the request's scope, over avail = free & online & scope):
//   - a core's threads are its online CPUs; a core is *whole-free* when all of them are free;
//   - t is the largest thread count among whole-free cores (the SMT width in use);
//   - the request is *whole-core feasible* when N is a sum of sizes of distinct whole-free cores;
//   - the result *splits* a core when it takes some but not all of the core's threads.
//
// Default policy (the kubelet CPU Manager static policy's takeByTopology order, made exact where
// the kubelet is greedy). Objectives in priority order:
//   1. whole cores: if the request is whole-core feasible, no core is split; otherwise at most one
//      whole-free core is split and partly used cores (siblings busy) are used first;
//   2. fewest NUMA nodes touched. With several nodes, the freest nodes are taken
//      whole first (whole NUMA nodes, grouped by the freest package, so a free socket is taken as
//      a whole when the request covers it) and the remainder goes to one node that holds it: in a
//      package already used if possible, then the least free (best fit), then the lowest id.
//      Exact minimum when at most one single-thread core is needed (N % t <= 1); beyond that
//      (SMT4 with single-thread cores) a valid but possibly larger set;
//   3. fewest last-level-cache (Topology::llc_groups) groups touched: exact when one NUMA node can
//      hold the request (the node needing the fewest LLC groups wins, then the least free one,
//      then the lowest id); inside a node, the freest LLC groups are taken whole first and the
//      remainder goes to the smallest group that holds it;
//   4. inside an LLC group: whole cores by ascending core index; without whole-core
//      feasibility, cores with the fewest free threads first (fills fragments).
// CPUs without any cache information count as a group of their own core.
//
// Options:
//   - full_cores: never split a core; FailedPrecondition when the request is not whole-core
//     feasible;
//   - spread_numa: distribute over every NUMA node of the scope as evenly as capacity allows
//     (water filling: a node gets less than another only when it is full), in units of t when N
//     is a multiple of t and the nodes together hold N / t free blocks of t (whole cores of t
//     threads, or t single-thread cores of one node), else in single CPUs; inside each node the
//     default policy applies to its share. With full_cores the block case is required
//     (FailedPrecondition otherwise).
//
// Limitation: whole-core packing is exact for machines whose whole-free cores have 1 or t threads
// (SMT off, SMT2, SMT4, hybrid P/E cores, cores with offline siblings). A core of another size
// (e.g. 3 online threads of an SMT4 core) is used only as loose threads.
//
// Determinism: the result depends only on the arguments; every tie is broken by the lowest id.
// Complexity: CpuAllocator::Allocate is O(C + K + G log G) for C online CPUs in the scope, K cores
// and G groups, plus a constant number of CpuSet operations (each O(highest CPU id / 64));
// see bench/bench_allocator.cc for figures at 4096 CPUs.

#ifndef DRACPU_COMMON_ALLOCATOR_H_
#define DRACPU_COMMON_ALLOCATOR_H_

#include <memory>
#include <string>

#include "common/cpuset.h"
#include "common/status.h"
#include "common/topology.h"

namespace dracpu {

enum class AllocationScope { kMachine, kPackage, kNumaNode };

struct AllocationRequest {
  int cpus = 0;  // N, the number of CPUs wanted
  AllocationScope scope = AllocationScope::kMachine;
  int scope_id = 0;  // kernel id of the package or NUMA node; ignored for kMachine
  bool full_cores = false;
  bool spread_numa = false;

  // "4 CPUs in NUMA node 1 (full-cores)", for errors and log lines.
  std::string ToString() const;
};

// The allocator for one topology. Construction indexes the topology once (O(C), ~100 us at 4096
// CPUs, mostly cache misses on CpuInfo); Allocate then touches only compact arrays. A value:
// cheap to copy (shared, immutable state), safe to use from several threads.
class CpuAllocator {
 public:
  explicit CpuAllocator(const Topology& topology);

  // Returns exactly request.cpus CPUs, a subset of free & online & the scope, chosen by the
  // policy above. Errors:
  //   InvalidArgument     request.cpus <= 0 or an unknown scope value;
  //   NotFound            the package / NUMA node does not exist (or has no online CPU);
  //   ResourceExhausted   fewer free online CPUs in the scope than requested;
  //   FailedPrecondition  full_cores cannot be honoured.
  // free may hold any ids; offline and unknown ones are ignored (never returned). The caller
  // leaves reserved CPUs, CPUs of other claims and (if it wants) isolated CPUs out of free.
  StatusOr<CpuSet> Allocate(const CpuSet& free, const AllocationRequest& request) const;

  struct Layout;  // defined in allocator.cc

 private:
  std::shared_ptr<const Layout> layout_;
};

// One call without keeping an allocator: CpuAllocator(topology).Allocate(free, request), so it
// pays the construction every time; callers that allocate repeatedly keep a CpuAllocator.
StatusOr<CpuSet> AllocateCpus(const Topology& topology, const CpuSet& free,
                              const AllocationRequest& request);

}  // namespace dracpu

#endif  // DRACPU_COMMON_ALLOCATOR_H_
