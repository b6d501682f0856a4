// CheckAllocationProperties: what any answer of AllocateCpus (common/allocator.h) must satisfy,
// computed without calling the allocator, so it applies to any topology (synthetic shapes, the
// real sysfs fixtures) and any free set.
//
// Terms as in allocator.h, over avail = free & the scope's online CPUs; t is the largest thread
// count among whole-free cores; "whole mode" means N is a sum of sizes of distinct whole-free
// cores (an exact bounded subset-sum, not the allocator's formula).
//
// Checked properties:
//   errors    the call fails exactly when it must, with the matching code: InvalidArgument for
//             N <= 0, NotFound for an unknown package/NUMA node, ResourceExhausted when
//             |avail| < N, FailedPrecondition for full_cores outside whole mode (with
//             spread_numa: unless N % t == 0 and the nodes hold N/t blocks of t, see below);
//   size      exactly N CPUs, all free, online and inside the scope;
//   cores     whole mode: no core split. Otherwise at most one whole-free core split (per NUMA
//             node with spread_numa). With spread_numa "whole mode" means block mode: N % t == 0
//             and the sum over nodes of floor(whole-free CPUs / t) reaches N / t;
//   numa      without spread_numa: the number of NUMA nodes touched is the minimum over all sets
//             of nodes able to hold N (in whole mode: enough whole-core CPUs and, when N % t != 0,
//             enough single-thread cores; otherwise enough free CPUs);
//   llc       without spread_numa, when one NUMA node can hold N: the number of LLC groups
//             touched is the minimum, over such nodes, of the fewest LLC groups of that node
//             able to hold N;
//   spread    with spread_numa, over every NUMA node of the scope with unit u (t in block mode,
//             else 1) and cap = what the node can give in that mode: shares are multiples of u,
//             a node gets more than u above another only if the other is full (share + u > cap),
//             and each node uses the fewest of its LLC groups able to hold its share.
// Minimums are computed by brute force over subsets for up to 12 groups, else by sorting
// capacities (plus one single-thread-core group when N % t == 1). They are skipped (not failed)
// when whole-free cores have sizes other than 1 and t, when N % t >= 2 needs loose CPUs, or (llc)
// when some CPU has no cache information.

#ifndef DRACPU_COMMON_TESTING_ALLOCATION_PROPERTIES_H_
#define DRACPU_COMMON_TESTING_ALLOCATION_PROPERTIES_H_

#include "common/allocator.h"
#include "common/cpuset.h"
#include "common/status.h"
#include "common/topology.h"

namespace dracpu::testing {

// OK, or Internal with one line per broken property (and the request and free set).
Status CheckAllocationProperties(const Topology& topology, const CpuSet& free,
                                 const AllocationRequest& request, const StatusOr<CpuSet>& result);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_ALLOCATION_PROPERTIES_H_
