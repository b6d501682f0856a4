#include "common/allocator.h"

#include <algorithm>
#include <map>
#include <vector>

#include "common/allocator_groups.h"

namespace dracpu {

using alloc::Candidate;
using alloc::Capacity;
using alloc::PickGroups;

std::string AllocationRequest::ToString() const {
  std::string s = std::to_string(cpus) + " CPUs";
  switch (scope) {
    case AllocationScope::kMachine: s += " in the machine"; break;
    case AllocationScope::kPackage: s += " in package " + std::to_string(scope_id); break;
    case AllocationScope::kNumaNode: s += " in NUMA node " + std::to_string(scope_id); break;
  }
  if (full_cores) s += " (full-cores)";
  if (spread_numa) s += " (spread-numa)";
  return s;
}

namespace {

// How CPUs are counted: whole cores (blocks of t threads plus single-thread cores as loose CPUs)
// or loose threads (t == 1, every free CPU a unit).
struct Mode {
  bool whole = false;
  int t = 1;
};

struct Core {
  int numa = -1;  // index into Scope::nodes
  int llc = -1;
  int size = 0;   // online threads in the scope
  int nfree = 0;  // free ones
  int begin = 0;  // its free CPUs are Scope::free_cpus[begin, begin + nfree)
  bool whole_free() const { return size > 0 && nfree == size; }
};

struct Bucket {  // the cores of one LLC group inside one NUMA node
  int key = 0;   // LLC index, or (number of LLCs + core index) for a core without cache info
  int node = 0;
  int next_same_key = -1;
  std::vector<int> cores;  // ascending core index
  Capacity cap;
};

struct Node {
  int id = 0;  // kernel NUMA id
  int package = 0;
  std::vector<int> buckets;
  Capacity cap;
};

// The scope seen by one call: cores, LLC buckets and NUMA nodes that hold online CPUs of the
// scope, built in one pass over those CPUs (no per-core CpuSet operations, which cost ~1 KiB each).
struct Scope {
  std::vector<Core> cores;  // by Topology core index
  std::vector<int> free_cpus;
  std::vector<Bucket> buckets;
  std::vector<Node> nodes;  // ascending NUMA id
  int max_whole_size = 0;   // t: the largest whole-free core

  Scope(const Topology& topo, const CpuSet& online, const CpuSet& avail) {
    cores.resize(topo.cores().size());
    std::map<int, int> node_of_id;
    for (const auto& [id, cpus] : topo.numa_nodes()) {
      if (!cpus.Intersects(online)) continue;
      node_of_id[id] = static_cast<int>(nodes.size());
      nodes.push_back(Node{id, 0, {}, {}});
    }
    for (int id : online) {
      const CpuInfo* info = topo.cpu(id);
      Core& c = cores[info->core];
      if (c.size++ == 0) {
        c.numa = node_of_id[info->numa_node];
        c.llc = info->llc;
        nodes[c.numa].package = info->package;
      }
      if (avail.Contains(id)) ++c.nfree;
    }
    int next = 0;
    for (Core& c : cores) {
      c.begin = next;
      next += c.nfree;
      if (c.whole_free()) max_whole_size = std::max(max_whole_size, c.size);
    }
    free_cpus.resize(next);
    std::vector<int> filled(cores.size(), 0);
    for (int id : avail) {
      Core& c = cores[topo.cpu(id)->core];
      free_cpus[c.begin + filled[topo.cpu(id)->core]++] = id;
    }
    const int llcs = static_cast<int>(topo.llc_groups().size());
    std::vector<int> first_bucket(llcs + cores.size(), -1);
    for (int i = 0; i < static_cast<int>(cores.size()); ++i) {
      if (cores[i].size == 0) continue;
      int key = cores[i].llc >= 0 ? cores[i].llc : llcs + i;
      int b = first_bucket[key];
      while (b >= 0 && buckets[b].node != cores[i].numa) b = buckets[b].next_same_key;
      if (b < 0) {  // an LLC shared by two NUMA nodes (sub-NUMA clustering) gets one per node
        b = static_cast<int>(buckets.size());
        buckets.push_back(Bucket{key, cores[i].numa, first_bucket[key], {}, {}});
        first_bucket[key] = b;
        nodes[cores[i].numa].buckets.push_back(b);
      }
      buckets[b].cores.push_back(i);
    }
  }

  Capacity CoreCapacity(const Core& c, const Mode& m) const {
    Capacity cap;
    if (!m.whole) {
      cap.units = c.nfree;
    } else if (c.whole_free() && c.size == m.t) {
      cap.units = 1;
    } else if (c.whole_free() && c.size == 1) {
      cap.ones = 1;
    }
    return cap;
  }

  void CountCapacities(const Mode& m) {
    for (Node& n : nodes) n.cap = {};
    for (Bucket& b : buckets) {
      b.cap = {};
      for (int i : b.cores) b.cap += CoreCapacity(cores[i], m);
      nodes[b.node].cap += b.cap;
    }
  }

  std::vector<Candidate> BucketCandidates(const Node& n) const {
    std::vector<Candidate> out;
    for (int b : n.buckets) out.push_back(Candidate{buckets[b].key, buckets[b].cap, 0, 0, 0});
    return out;
  }

  void TakeFromBucket(const Bucket& b, int want, const Mode& m, CpuSet* result) const {
    auto take = [&](const Core& c, int count) {
      for (int k = 0; k < count; ++k) result->Add(free_cpus[c.begin + k]);
    };
    if (m.whole) {
      int blocks = std::min(b.cap.units, want / m.t);
      int ones = want - blocks * m.t;
      for (int i : b.cores) {
        const Capacity cap = CoreCapacity(cores[i], m);
        if (cap.units > 0 && blocks > 0) {
          take(cores[i], cores[i].nfree);
          --blocks;
        } else if (cap.ones > 0 && ones > 0) {
          take(cores[i], 1);
          --ones;
        }
      }
      return;
    }
    // Loose threads: fill the cores whose siblings are busy first, so that at most the last
    // core taken is split.
    std::vector<int> order;
    for (int i : b.cores) {
      if (cores[i].nfree > 0) order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [&](int x, int y) {
      return cores[x].nfree != cores[y].nfree ? cores[x].nfree < cores[y].nfree : x < y;
    });
    for (int i : order) {
      if (want == 0) break;
      int n = std::min(want, cores[i].nfree);
      take(cores[i], n);
      want -= n;
    }
  }

  void TakeFromNode(const Node& n, int want, const Mode& m, CpuSet* result) const {
    std::vector<Candidate> cands = BucketCandidates(n);
    for (const alloc::Share& s : PickGroups(cands, m.t, want)) {
      TakeFromBucket(buckets[n.buckets[s.index]], s.cpus, m, result);
    }
  }
};

Status NotEnough(const AllocationRequest& r, const std::string& what) {
  return Status::ResourceExhausted("allocator: cannot take " + r.ToString() + ": " + what);
}

// Capacity of single-thread (ones) and t-thread (units) whole-free cores of the scope.
Capacity WholeCapacity(const Scope& s, int t) {
  Capacity cap;
  for (const Core& c : s.cores) cap += s.CoreCapacity(c, Mode{true, t});
  return cap;
}

StatusOr<CpuSet> Packed(Scope& scope, const AllocationRequest& r) {
  const int n = r.cpus;
  const int t = std::max(scope.max_whole_size, 1);
  Mode mode{alloc::Fits(WholeCapacity(scope, t), t, n), t};
  if (!mode.whole) mode.t = 1;
  if (r.full_cores && !mode.whole) {
    return Status::FailedPrecondition("allocator: cannot take " + r.ToString() +
                                      ": not enough free whole cores to make exactly " +
                                      std::to_string(n) + " CPUs");
  }
  scope.CountCapacities(mode);
  std::map<int, int> package_free;
  for (const Node& node : scope.nodes) package_free[node.package] += node.cap.Cpus(mode.t);
  std::vector<Candidate> cands;
  for (const Node& node : scope.nodes) {
    int cost = 0;
    if (alloc::Fits(node.cap, mode.t, n)) {
      cost = alloc::CountGroups(scope.BucketCandidates(node), mode.t, n);
    }
    cands.push_back(Candidate{node.id, node.cap, cost, package_free[node.package], node.package});
  }
  CpuSet result;
  for (const alloc::Share& s : PickGroups(cands, mode.t, n)) {
    scope.TakeFromNode(scope.nodes[s.index], s.cpus, mode, &result);
  }
  return result;
}

StatusOr<CpuSet> Spread(Scope& scope, const AllocationRequest& r) {
  const int n = r.cpus;
  const int t = std::max(scope.max_whole_size, 1);
  // Whole cores when every share can be a number of t-blocks; else loose threads.
  Mode mode{true, t};
  scope.CountCapacities(mode);
  int blocks = 0;
  for (const Node& node : scope.nodes) blocks += node.cap.Cpus(t) / t;
  int unit = t;
  if (n % t != 0 || blocks < n / t) {
    if (r.full_cores) {
      return Status::FailedPrecondition("allocator: cannot take " + r.ToString() +
                                        ": needs a multiple of " + std::to_string(t) +
                                        " CPUs and enough whole cores on the NUMA nodes");
    }
    mode = Mode{false, 1};
    unit = 1;
    scope.CountCapacities(mode);
  }
  // Water filling in units: nodes that cannot reach the level give all they have; the others get
  // the level, and the leftover units go one each to the freest (then lowest id) of them.
  const int count = static_cast<int>(scope.nodes.size());
  std::vector<int> cap(count), share(count, 0), order(count);
  for (int i = 0; i < count; ++i) {
    cap[i] = scope.nodes[i].cap.Cpus(mode.t) / unit;
    order[i] = i;
  }
  std::sort(order.begin(), order.end(),
            [&](int x, int y) { return cap[x] != cap[y] ? cap[x] < cap[y] : x < y; });
  int left = n / unit;
  int pos = 0;
  while (pos < count && cap[order[pos]] <= left / (count - pos)) {
    share[order[pos]] = cap[order[pos]];
    left -= cap[order[pos]];
    ++pos;
  }
  if (pos < count) {
    int level = left / (count - pos);
    int extra = left - level * (count - pos);
    for (int k = pos; k < count; ++k) share[order[k]] = level;
    // The freest are at the end of `order`; among equal caps, the lowest index first.
    std::vector<int> rest(order.begin() + pos, order.end());
    std::stable_sort(rest.begin(), rest.end(), [&](int x, int y) { return cap[x] > cap[y]; });
    for (int k = 0; k < extra; ++k) ++share[rest[k]];
  } else if (left > 0) {
    return NotEnough(r, "the NUMA nodes hold too few free CPUs");
  }
  CpuSet result;
  for (int i = 0; i < count; ++i) {
    if (share[i] > 0) scope.TakeFromNode(scope.nodes[i], share[i] * unit, mode, &result);
  }
  return result;
}

}  // namespace

StatusOr<CpuSet> AllocateCpus(const Topology& topology, const CpuSet& free,
                              const AllocationRequest& r) {
  if (r.cpus <= 0) {
    return Status::InvalidArgument("allocator: request for " + std::to_string(r.cpus) +
                                   " CPUs: must be at least 1");
  }
  CpuSet scope_cpus;
  switch (r.scope) {
    case AllocationScope::kMachine: scope_cpus = topology.online(); break;
    case AllocationScope::kPackage:
    case AllocationScope::kNumaNode: {
      const auto& groups =
          r.scope == AllocationScope::kPackage ? topology.packages() : topology.numa_nodes();
      auto it = groups.find(r.scope_id);
      if (it == groups.end()) {
        return Status::NotFound("allocator: " + r.ToString() + ": no such group with online CPUs");
      }
      scope_cpus = it->second;
      break;
    }
    default:
      return Status::InvalidArgument("allocator: unknown scope " +
                                     std::to_string(static_cast<int>(r.scope)));
  }
  const CpuSet avail = free & scope_cpus;  // group sets hold only online CPUs
  if (avail.Size() < r.cpus) {
    return NotEnough(r, "only " + std::to_string(avail.Size()) + " free");
  }
  Scope scope(topology, scope_cpus, avail);
  StatusOr<CpuSet> result = r.spread_numa ? Spread(scope, r) : Packed(scope, r);
  if (result.ok() && result->Size() != r.cpus) {  // a bug here, never an input problem
    return Status::Internal("allocator: chose " + std::to_string(result->Size()) + " CPUs for " +
                            r.ToString());
  }
  return result;
}

}  // namespace dracpu
