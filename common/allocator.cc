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

struct Bucket {  // the cores of one LLC group inside one NUMA node
  int key = 0;   // LLC index, or (number of LLCs + core index) for a core without cache info
  int node = 0;
  std::vector<int> cores;  // ascending core index
};

struct Node {
  int id = 0;  // kernel NUMA id
  int package = 0;
  std::vector<int> buckets;
};

}  // namespace

// What Allocate needs of the topology, in compact arrays: reading CpuInfo (three 1 KiB CpuSets
// each) per call costs a cache miss per CPU.
struct CpuAllocator::Layout {
  CpuSet online;
  std::map<int, CpuSet> packages, numa_nodes;
  // Online CPUs of core c: cpu_ids[cpu_begin[c], cpu_begin[c + 1]), ascending.
  std::vector<int> cpu_begin, cpu_ids;
  std::vector<int> core_node;     // by core index: index into nodes
  std::vector<int> core_package;  // by core index: kernel package id
  std::vector<Bucket> buckets;
  std::vector<Node> nodes;  // ascending NUMA id

  explicit Layout(const Topology& topo)
      : online(topo.online()), packages(topo.packages()), numa_nodes(topo.numa_nodes()) {
    std::map<int, int> node_of_id;
    for (const auto& [id, cpus] : numa_nodes) {
      node_of_id[id] = static_cast<int>(nodes.size());
      nodes.push_back(Node{id, 0, {}});
    }
    const int cores = static_cast<int>(topo.cores().size());
    const int llcs = static_cast<int>(topo.llc_groups().size());
    core_node.assign(cores, -1);
    core_package.assign(cores, -1);
    std::vector<int> core_llc(cores, -1);
    std::vector<std::vector<int>> cpus_of(cores);
    for (const CpuInfo& info : topo.cpus()) {
      if (!info.online) continue;
      cpus_of[info.core].push_back(info.id);  // cpus() is ascending by id
      if (core_node[info.core] >= 0) continue;
      core_node[info.core] = node_of_id[info.numa_node];
      core_package[info.core] = info.package;
      core_llc[info.core] = info.llc;
      nodes[node_of_id[info.numa_node]].package = info.package;
    }
    for (const std::vector<int>& ids : cpus_of) {
      cpu_begin.push_back(static_cast<int>(cpu_ids.size()));
      cpu_ids.insert(cpu_ids.end(), ids.begin(), ids.end());
    }
    cpu_begin.push_back(static_cast<int>(cpu_ids.size()));
    // One bucket per (LLC, node): an LLC shared by two NUMA nodes (sub-NUMA clustering) is
    // split, so that counting LLC groups per node stays simple.
    std::map<std::pair<int, int>, int> bucket_of;
    for (int c = 0; c < cores; ++c) {
      int key = core_llc[c] >= 0 ? core_llc[c] : llcs + c;
      auto [it, added] = bucket_of.emplace(std::make_pair(key, core_node[c]), buckets.size());
      if (added) {
        buckets.push_back(Bucket{key, core_node[c], {}});
        nodes[core_node[c]].buckets.push_back(it->second);
      }
      buckets[it->second].cores.push_back(c);
    }
  }
};

namespace {

using Layout = CpuAllocator::Layout;

// One call's view: per-core thread and free counts inside the scope, and group capacities.
struct Scope {
  const Layout& l;
  std::vector<int> size, nfree, begin;  // by core; free CPUs are free_cpus[begin, begin + nfree)
  std::vector<int> free_cpus;
  std::vector<int> nodes;  // indexes into l.nodes having online CPUs in the scope
  std::vector<Capacity> bucket_cap, node_cap;
  int max_whole_size = 0;  // t: the largest whole-free core

  // REQUIRES: avail is a subset of the scope's online CPUs.
  Scope(const Layout& layout, const AllocationRequest& r, const CpuSet& avail) : l(layout) {
    const size_t cores = l.core_node.size();
    size.assign(cores, 0);
    nfree.assign(cores, 0);
    begin.assign(cores, 0);
    free_cpus.reserve(avail.Size());
    std::vector<char> in_scope(l.nodes.size(), 0);
    for (size_t c = 0; c < cores; ++c) {
      begin[c] = static_cast<int>(free_cpus.size());
      if (r.scope == AllocationScope::kNumaNode && l.nodes[l.core_node[c]].id != r.scope_id) {
        continue;
      }
      if (r.scope == AllocationScope::kPackage && l.core_package[c] != r.scope_id) continue;
      in_scope[l.core_node[c]] = 1;
      for (int k = l.cpu_begin[c]; k < l.cpu_begin[c + 1]; ++k) {
        const int id = l.cpu_ids[k];
        ++size[c];
        if (avail.Contains(id)) {
          free_cpus.push_back(id);
          ++nfree[c];
        }
      }
      if (WholeFree(c)) max_whole_size = std::max(max_whole_size, size[c]);
    }
    for (size_t n = 0; n < in_scope.size(); ++n) {
      if (in_scope[n]) nodes.push_back(static_cast<int>(n));
    }
  }

  bool WholeFree(size_t c) const { return size[c] > 0 && nfree[c] == size[c]; }

  Capacity CoreCapacity(int c, const Mode& m) const {
    Capacity cap;
    if (!m.whole) {
      cap.units = nfree[c];
    } else if (WholeFree(c) && size[c] == m.t) {
      cap.units = 1;
    } else if (WholeFree(c) && size[c] == 1) {
      cap.ones = 1;
    }
    return cap;
  }

  void CountCapacities(const Mode& m) {
    bucket_cap.assign(l.buckets.size(), {});
    node_cap.assign(l.nodes.size(), {});
    for (int n : nodes) {
      for (int b : l.nodes[n].buckets) {
        for (int c : l.buckets[b].cores) bucket_cap[b] += CoreCapacity(c, m);
        node_cap[n] += bucket_cap[b];
      }
    }
  }

  Capacity Total() const {
    Capacity sum;
    for (int n : nodes) sum += node_cap[n];
    return sum;
  }

  std::vector<Candidate> BucketCandidates(int node) const {
    std::vector<Candidate> out;
    for (int b : l.nodes[node].buckets) {
      out.push_back(Candidate{l.buckets[b].key, bucket_cap[b], 0, 0, 0});
    }
    return out;
  }

  void TakeCpus(int c, int count, CpuSet* result) const {
    for (int k = 0; k < count; ++k) result->Add(free_cpus[begin[c] + k]);
  }

  void TakeFromBucket(int b, int want, const Mode& m, CpuSet* result) const {
    const std::vector<int>& cores = l.buckets[b].cores;
    if (m.whole) {
      int blocks = std::min(bucket_cap[b].units, want / m.t);
      int ones = want - blocks * m.t;
      for (int c : cores) {
        const Capacity cap = CoreCapacity(c, m);
        if (cap.units > 0 && blocks > 0) {
          TakeCpus(c, nfree[c], result);
          --blocks;
        } else if (cap.ones > 0 && ones > 0) {
          TakeCpus(c, 1, result);
          --ones;
        }
      }
      return;
    }
    // Loose threads: fill the cores whose siblings are busy first, so that at most the last
    // core taken is split.
    std::vector<int> order;
    for (int c : cores) {
      if (nfree[c] > 0) order.push_back(c);
    }
    std::sort(order.begin(), order.end(),
              [&](int x, int y) { return nfree[x] != nfree[y] ? nfree[x] < nfree[y] : x < y; });
    for (int c : order) {
      if (want == 0) break;
      int n = std::min(want, nfree[c]);
      TakeCpus(c, n, result);
      want -= n;
    }
  }

  void TakeFromNode(int node, int want, const Mode& m, CpuSet* result) const {
    for (const alloc::Share& s : PickGroups(BucketCandidates(node), m.t, want)) {
      TakeFromBucket(l.nodes[node].buckets[s.index], s.cpus, m, result);
    }
  }
};

Status NotEnough(const AllocationRequest& r, const std::string& what) {
  return Status::ResourceExhausted("allocator: cannot take " + r.ToString() + ": " + what);
}

StatusOr<CpuSet> Packed(Scope& scope, const AllocationRequest& r) {
  const int n = r.cpus;
  const int t = std::max(scope.max_whole_size, 1);
  Mode mode{true, t};
  scope.CountCapacities(mode);
  if (!alloc::Fits(scope.Total(), t, n)) {
    mode = Mode{false, 1};
    scope.CountCapacities(mode);
  }
  if (r.full_cores && !mode.whole) {
    return Status::FailedPrecondition("allocator: cannot take " + r.ToString() +
                                      ": not enough free whole cores to make exactly " +
                                      std::to_string(n) + " CPUs");
  }
  std::map<int, int> package_free;
  for (int node : scope.nodes) {
    package_free[scope.l.nodes[node].package] += scope.node_cap[node].Cpus(mode.t);
  }
  std::vector<Candidate> cands;
  for (int node : scope.nodes) {
    const Capacity& cap = scope.node_cap[node];
    int cost = 0;
    if (alloc::Fits(cap, mode.t, n)) {
      cost = alloc::CountGroups(scope.BucketCandidates(node), mode.t, n);
    }
    const Node& info = scope.l.nodes[node];
    cands.push_back(Candidate{info.id, cap, cost, package_free[info.package], info.package});
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
  for (int node : scope.nodes) blocks += scope.node_cap[node].Cpus(t) / t;
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
    cap[i] = scope.node_cap[scope.nodes[i]].Cpus(mode.t) / unit;
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

CpuAllocator::CpuAllocator(const Topology& topology)
    : layout_(std::make_shared<const Layout>(topology)) {}

StatusOr<CpuSet> CpuAllocator::Allocate(const CpuSet& free, const AllocationRequest& r) const {
  if (r.cpus <= 0) {
    return Status::InvalidArgument("allocator: request for " + std::to_string(r.cpus) +
                                   " CPUs: must be at least 1");
  }
  CpuSet scope_cpus;
  switch (r.scope) {
    case AllocationScope::kMachine: scope_cpus = layout_->online; break;
    case AllocationScope::kPackage:
    case AllocationScope::kNumaNode: {
      const auto& groups =
          r.scope == AllocationScope::kPackage ? layout_->packages : layout_->numa_nodes;
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
  Scope scope(*layout_, r, avail);
  StatusOr<CpuSet> result = r.spread_numa ? Spread(scope, r) : Packed(scope, r);
  if (result.ok() && result->Size() != r.cpus) {  // a bug here, never an input problem
    return Status::Internal("allocator: chose " + std::to_string(result->Size()) + " CPUs for " +
                            r.ToString());
  }
  return result;
}

StatusOr<CpuSet> AllocateCpus(const Topology& topology, const CpuSet& free,
                              const AllocationRequest& request) {
  return CpuAllocator(topology).Allocate(free, request);
}

}  // namespace dracpu
