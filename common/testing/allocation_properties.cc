#include "common/testing/allocation_properties.h"

#include <algorithm>
#include <climits>
#include <map>
#include <set>
#include <vector>

namespace dracpu::testing {
namespace {

struct Cap {
  int cpus = 0;
  int ones = 0;  // single-thread whole-free cores (whole mode with t > 1 only)
};

// Fewest of the first `need`-largest caps reaching `need`; INT_MAX when they cannot.
int PrefixCount(std::vector<int> caps, int need) {
  std::sort(caps.rbegin(), caps.rend());
  int sum = 0, k = 0;
  for (int c : caps) {
    if (sum >= need) break;
    sum += c;
    ++k;
  }
  return sum >= need ? k : INT_MAX;
}

// The fewest groups holding n CPUs of which at least r on single-thread cores. 0 = impossible,
// -1 = not computed.
int MinGroups(const std::vector<Cap>& g, int n, int r) {
  const int size = static_cast<int>(g.size());
  if (size <= 12) {
    int best = 0;
    for (unsigned mask = 1; mask < (1u << size); ++mask) {
      int count = __builtin_popcount(mask);
      if (best != 0 && count >= best) continue;
      Cap sum;
      for (int i = 0; i < size; ++i) {
        if (mask & (1u << i)) {
          sum.cpus += g[i].cpus;
          sum.ones += g[i].ones;
        }
      }
      if (sum.cpus >= n && sum.ones >= r) best = count;
    }
    return best;
  }
  std::vector<int> caps;
  for (const Cap& c : g) caps.push_back(c.cpus);
  if (r == 0) {
    int k = PrefixCount(caps, n);
    return k == INT_MAX ? 0 : k;
  }
  if (r > 1) return -1;
  int best = INT_MAX;
  for (int i = 0; i < size; ++i) {  // some group with a single-thread core, plus the largest others
    if (g[i].ones == 0) continue;
    std::vector<int> others = caps;
    others.erase(others.begin() + i);
    int k = PrefixCount(others, n - g[i].cpus);
    if (k != INT_MAX) best = std::min(best, k + 1);
  }
  return best == INT_MAX ? 0 : best;
}

// Exact: is n a sum of distinct items of these sizes (bounded subset sum)?
bool SubsetSum(const std::map<int, int>& count_of_size, int n) {
  std::vector<char> reach(n + 1, 0);
  reach[0] = 1;
  for (const auto& [size, count] : count_of_size) {
    std::vector<int> used(n + 1, 0);
    for (int x = size; x <= n; ++x) {
      if (!reach[x] && reach[x - size] && used[x - size] < count) {
        reach[x] = 1;
        used[x] = used[x - size] + 1;
      }
    }
  }
  return reach[n] != 0;
}

struct CoreView {
  int size = 0, nfree = 0, taken = 0, numa = -1, llc = -1;
  bool whole_free() const { return size > 0 && nfree == size; }
};

}  // namespace

Status CheckAllocationProperties(const Topology& topo, const CpuSet& free,
                                 const AllocationRequest& req, const StatusOr<CpuSet>& result) {
  std::vector<std::string> bad;
  const int n = req.cpus;
  using Code = Status::Code;
  Code expect = Code::kOk;
  CpuSet scope;
  if (n <= 0) {
    expect = Code::kInvalidArgument;
  } else if (req.scope == AllocationScope::kMachine) {
    scope = topo.online();
  } else if (req.scope != AllocationScope::kPackage && req.scope != AllocationScope::kNumaNode) {
    expect = Code::kInvalidArgument;
  } else {
    const auto& groups =
        req.scope == AllocationScope::kPackage ? topo.packages() : topo.numa_nodes();
    auto it = groups.find(req.scope_id);
    if (it == groups.end()) {
      expect = Code::kNotFound;
    } else {
      scope = it->second;
    }
  }
  const CpuSet avail = free & scope;
  if (expect == Code::kOk && avail.Size() < n) expect = Code::kResourceExhausted;

  // Per-core and per-node facts of the scope.
  std::vector<CoreView> cores(topo.cores().size());
  for (int id : scope) {
    const CpuInfo* info = topo.cpu(id);
    CoreView& c = cores[info->core];
    ++c.size;
    if (avail.Contains(id)) ++c.nfree;
    c.numa = info->numa_node;
    c.llc = info->llc;
  }
  int t = 1;
  bool no_llc = false;
  std::map<int, int> whole_sizes;
  for (const CoreView& c : cores) {
    if (c.size > 0 && c.llc < 0) no_llc = true;
    if (!c.whole_free()) continue;
    t = std::max(t, c.size);
    ++whole_sizes[c.size];
  }
  const bool sizes_ok =
      whole_sizes.size() <= 1 || (whole_sizes.size() == 2 && whole_sizes.count(1));
  const bool whole = expect == Code::kOk && SubsetSum(whole_sizes, n);
  // What a core gives in whole mode: sizes 1 and t only.
  auto whole_cap = [&](const CoreView& c) {
    Cap cap;
    if (c.whole_free() && (c.size == t || c.size == 1)) {
      cap.cpus = c.size;
      cap.ones = (t > 1 && c.size == 1) ? 1 : 0;
    }
    return cap;
  };
  std::map<int, int> node_blocks;
  for (const CoreView& c : cores) {
    if (c.size > 0) node_blocks[c.numa] += whole_cap(c).cpus;
  }
  int blocks = 0;
  for (auto& [id, cpus] : node_blocks) blocks += cpus / t;
  const bool block_mode = n > 0 && n % t == 0 && blocks >= n / t;
  if (expect == Code::kOk && req.full_cores && !(req.spread_numa ? block_mode : whole)) {
    expect = Code::kFailedPrecondition;
  }

  if (!result.ok() || expect != Code::kOk) {
    if (result.ok()) {
      bad.push_back(std::string("errors: expected ") + Status::CodeName(expect) + ", got " +
                    result->ToString());
    } else if (result.status().code() != expect) {
      bad.push_back(std::string("errors: expected ") + Status::CodeName(expect) + ", got " +
                    result.status().ToString());
    }
  } else {
    const CpuSet& r = *result;
    if (r.Size() != n) bad.push_back("size: got " + std::to_string(r.Size()));
    if (!r.IsSubsetOf(free)) bad.push_back("size: not free: " + (r - free).ToString());
    if (!r.IsSubsetOf(scope)) bad.push_back("size: outside scope: " + (r - scope).ToString());
    std::map<int, int> share;              // NUMA node -> CPUs taken
    std::map<int, std::set<int>> llcs_of;  // NUMA node -> LLC groups touched
    std::set<int> llcs;
    for (int id : r& scope) {
      const CpuInfo* info = topo.cpu(id);
      ++cores[info->core].taken;
      ++share[info->numa_node];
      if (info->llc >= 0) {
        llcs.insert(info->llc);
        llcs_of[info->numa_node].insert(info->llc);
      }
    }
    const bool whole_rule = req.spread_numa ? block_mode : whole;
    int splits = 0;
    std::map<int, int> whole_splits;  // NUMA node -> whole-free cores split
    for (const CoreView& c : cores) {
      if (c.taken == 0 || c.taken == c.size) continue;
      ++splits;
      if (c.whole_free()) ++whole_splits[req.spread_numa ? c.numa : 0];
    }
    if (whole_rule && splits > 0) bad.push_back("cores: " + std::to_string(splits) + " split");
    for (auto& [node, count] : whole_splits) {
      if (count > 1) bad.push_back("cores: " + std::to_string(count) + " whole-free cores split");
    }

    const bool use_whole = req.spread_numa ? block_mode : whole;
    const int rem = use_whole && t > 1 ? n % t : 0;
    auto cap_of = [&](const CoreView& c) { return use_whole ? whole_cap(c) : Cap{c.nfree, 0}; };
    std::map<int, Cap> node_cap;
    std::map<int, std::map<int, Cap>> llc_cap;  // node -> llc -> cap
    for (const CoreView& c : cores) {
      if (c.size == 0) continue;
      Cap cap = cap_of(c);
      node_cap[c.numa].cpus += cap.cpus;
      node_cap[c.numa].ones += cap.ones;
      llc_cap[c.numa][c.llc].cpus += cap.cpus;
      llc_cap[c.numa][c.llc].ones += cap.ones;
    }
    auto min_llcs = [&](int node, int want, int want_ones) {
      std::vector<Cap> g;
      for (auto& [llc, cap] : llc_cap[node]) g.push_back(cap);
      return MinGroups(g, want, want_ones);
    };
    const bool minimums = !use_whole || sizes_ok;
    if (!req.spread_numa && minimums) {
      std::vector<Cap> g;
      for (auto& [node, cap] : node_cap) g.push_back(cap);
      int k = MinGroups(g, n, rem);
      if (k >= 0 && static_cast<int>(share.size()) != k) {
        bad.push_back("numa: touched " + std::to_string(share.size()) + " nodes, minimum " +
                      std::to_string(k));
      }
      int best = INT_MAX;
      for (auto& [node, cap] : node_cap) {
        if (no_llc || cap.cpus < n || cap.ones < rem) continue;
        int l = min_llcs(node, n, rem);
        if (l > 0) best = std::min(best, l);
      }
      if (best != INT_MAX && static_cast<int>(llcs.size()) != best) {
        bad.push_back("llc: touched " + std::to_string(llcs.size()) + " groups, minimum " +
                      std::to_string(best));
      }
    }
    if (req.spread_numa) {
      const int u = block_mode ? t : 1;
      for (auto& [j, cap_j] : node_cap) {
        int cj = block_mode ? cap_j.cpus / t * t : cap_j.cpus;
        int sj = share.count(j) ? share[j] : 0;
        if (sj % u != 0) bad.push_back("spread: node " + std::to_string(j) + " share not whole");
        for (auto& [i, si] : share) {
          if (si > sj + u && sj + u <= cj) {
            bad.push_back("spread: node " + std::to_string(i) + " got " + std::to_string(si) +
                          ", node " + std::to_string(j) + " only " + std::to_string(sj));
          }
        }
        if (sj > 0 && !no_llc) {
          int l = min_llcs(j, sj, 0);
          if (l > 0 && static_cast<int>(llcs_of[j].size()) != l) {
            bad.push_back("spread: node " + std::to_string(j) + " touched " +
                          std::to_string(llcs_of[j].size()) + " LLC groups, minimum " +
                          std::to_string(l));
          }
        }
      }
    }
  }
  if (bad.empty()) return Status::OK();
  std::string msg =
      "allocation properties broken for " + req.ToString() + " with free " + free.ToString() + ":";
  for (const std::string& b : bad) msg += "\n  " + b;
  return Status::Internal(msg);
}

}  // namespace dracpu::testing
