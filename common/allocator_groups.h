// Internal to the allocator (allocator.h): choosing the fewest groups (NUMA nodes, LLC groups)
// that can hold a request, and how many CPUs each gives. Split out so the choice can be tested
// and read on its own; not a public module.
//
// A group's capacity is counted in the allocation's current mode: `ones` loose CPUs (single-thread
// whole cores) plus `units` blocks of t CPUs (whole cores of t threads). In the loose-thread mode
// t is 1 and every free CPU is a unit.

#ifndef DRACPU_COMMON_ALLOCATOR_GROUPS_H_
#define DRACPU_COMMON_ALLOCATOR_GROUPS_H_

#include <vector>

namespace dracpu::alloc {

struct Capacity {
  int ones = 0;
  int units = 0;

  int Cpus(int t) const { return ones + t * units; }
  Capacity& operator+=(const Capacity& o) {
    ones += o.ones;
    units += o.units;
    return *this;
  }
};

// True when exactly n CPUs can be made of the capacity's ones and t-blocks.
// REQUIRES: t >= 1, n >= 0.
bool Fits(const Capacity& cap, int t, int n);

struct Candidate {
  int id = 0;  // ties go to the lowest id
  Capacity cap;
  int cost = 0;       // lower wins when one group alone holds the request (e.g. LLC groups needed)
  int order_key = 0;  // higher first among equally free groups taken whole (e.g. package free CPUs)
  int affinity = 0;   // the best-fit last group prefers an affinity already chosen (e.g. package)
};

struct Share {
  int index = 0;  // into the candidate vector
  int cpus = 0;
};

// The fewest candidates that together hold exactly n CPUs, and each one's share (> 0), in the
// order they were chosen. One group alone: the lowest (cost, free CPUs, id). Several: the freest
// ones (free CPUs desc, order_key desc, id) are taken whole, and the remainder goes to the best
// fit (affinity already chosen, then fewest free CPUs, then id). Exact minimum count when no
// request needs more than one loose CPU (n % t <= 1); otherwise a valid, possibly larger, set.
// Returns an empty vector when all candidates together cannot hold n.
// REQUIRES: n >= 1, t >= 1.
std::vector<Share> PickGroups(const std::vector<Candidate>& candidates, int t, int n);

// The number of groups PickGroups would choose; 0 when n does not fit.
int CountGroups(const std::vector<Candidate>& candidates, int t, int n);

}  // namespace dracpu::alloc

#endif  // DRACPU_COMMON_ALLOCATOR_GROUPS_H_
