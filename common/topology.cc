#include "common/topology.h"

#include <algorithm>

namespace dracpu {

const char* CoreTypeName(CoreType type) {
  switch (type) {
    case CoreType::kStandard: return "standard";
    case CoreType::kPerformance: return "p-core";
    case CoreType::kEfficiency: return "e-core";
  }
  return "standard";
}

namespace {

// Gives each distinct non-empty set a node-unique index, in order of the set's lowest CPU, and
// returns the index per CPU (by position). Sets are intersected with `online` first so that a
// group known only through offline CPUs does not get an index.
std::vector<int> IndexGroups(const std::vector<CpuInfo>& cpus, const CpuSet& online,
                             CpuSet CpuInfo::*field, std::map<int, CpuSet>* groups) {
  std::map<CpuSet, int> index_of;
  std::vector<std::pair<int, CpuSet>> by_first;  // (lowest online cpu, set)
  for (const CpuInfo& c : cpus) {
    if (!c.online) continue;
    CpuSet s = (c.*field) & online;
    if (s.Empty()) continue;
    if (index_of.emplace(s, -1).second) by_first.emplace_back(s.First(), s);
  }
  std::sort(by_first.begin(), by_first.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < by_first.size(); ++i) {
    index_of[by_first[i].second] = static_cast<int>(i);
  }
  std::vector<int> result(cpus.size(), -1);
  for (size_t i = 0; i < cpus.size(); ++i) {
    if (!cpus[i].online) continue;
    CpuSet s = (cpus[i].*field) & online;
    if (s.Empty()) continue;
    int idx = index_of[s];
    result[i] = idx;
    (*groups)[idx].Add(cpus[i].id);
  }
  return result;
}

}  // namespace

StatusOr<Topology> Topology::Build(std::vector<CpuInfo> cpus, CpuSet isolated) {
  std::sort(cpus.begin(), cpus.end(),
            [](const CpuInfo& a, const CpuInfo& b) { return a.id < b.id; });
  Topology t;
  for (size_t i = 0; i < cpus.size(); ++i) {
    const CpuInfo& c = cpus[i];
    if (c.id < 0 || c.id > CpuSet::kMaxCpuId) {
      return Status::InvalidArgument("topology: CPU id " + std::to_string(c.id) + " out of range");
    }
    if (i > 0 && cpus[i - 1].id == c.id) {
      return Status::InvalidArgument("topology: CPU " + std::to_string(c.id) + " listed twice");
    }
    if (c.online) t.online_.Add(c.id);
  }
  if (t.online_.Empty()) return Status::InvalidArgument("topology: no CPU is online");

  // A CPU always shares a core with itself, even when the kernel gave no siblings file.
  for (CpuInfo& c : cpus) c.core_cpus.Add(c.id);

  std::vector<int> core = IndexGroups(cpus, t.online_, &CpuInfo::core_cpus, &t.cores_);
  std::vector<int> l3 = IndexGroups(cpus, t.online_, &CpuInfo::l3_cpus, &t.l3_groups_);
  std::vector<int> llc = IndexGroups(cpus, t.online_, &CpuInfo::llc_cpus, &t.llc_groups_);
  t.index_by_id_.assign(cpus.back().id + 1, -1);
  for (size_t i = 0; i < cpus.size(); ++i) {
    CpuInfo& c = cpus[i];
    c.core = core[i];
    c.l3 = l3[i];
    c.llc = llc[i];
    t.index_by_id_[c.id] = static_cast<int>(i);
    if (!c.online) continue;
    t.packages_[c.package].Add(c.id);
    t.numa_nodes_[c.numa_node].Add(c.id);
  }
  for (const auto& [idx, set] : t.cores_) {
    if (set.Size() > 1) t.smt_enabled_ = true;
  }
  t.isolated_ = isolated & t.online_;
  t.cpus_ = std::move(cpus);
  return t;
}

const CpuInfo* Topology::cpu(int id) const {
  if (id < 0 || id >= static_cast<int>(index_by_id_.size())) return nullptr;
  int idx = index_by_id_[id];
  return idx < 0 ? nullptr : &cpus_[idx];
}

CpuSet Topology::CoreSiblings(int id) const {
  const CpuInfo* c = cpu(id);
  if (c == nullptr || c->core < 0) return {};
  return cores_.at(c->core);
}

}  // namespace dracpu
