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
  // Sets are bucketed by their lowest CPU and compared for equality only inside a bucket, in
  // the order first seen: ordering whole 8192-bit sets in a std::map made Build take ~80 ms at
  // 4096 CPUs.
  std::map<int, std::vector<std::pair<CpuSet, int>>> by_first;  // lowest cpu -> (set, slot)
  std::vector<int> slot_of(cpus.size(), -1);
  int slots = 0;
  for (size_t i = 0; i < cpus.size(); ++i) {
    if (!cpus[i].online) continue;
    CpuSet s = (cpus[i].*field) & online;
    if (s.Empty()) continue;
    auto& bucket = by_first[s.First()];
    auto same = std::find_if(bucket.begin(), bucket.end(),
                             [&](const auto& entry) { return entry.first == s; });
    if (same == bucket.end()) {
      bucket.emplace_back(s, slots++);
      same = bucket.end() - 1;
    }
    slot_of[i] = same->second;
  }
  std::vector<int> index_of_slot(slots, -1);
  int next = 0;
  for (const auto& [first, bucket] : by_first) {
    for (const auto& entry : bucket) index_of_slot[entry.second] = next++;
  }
  std::vector<int> result(cpus.size(), -1);
  for (size_t i = 0; i < cpus.size(); ++i) {
    if (slot_of[i] < 0) continue;
    int idx = index_of_slot[slot_of[i]];
    result[i] = idx;
    (*groups)[idx].Add(cpus[i].id);
  }
  return result;
}

}  // namespace

StatusOr<Topology> Topology::Build(std::vector<CpuInfo> cpus, CpuSet isolated) {
  auto by_id = [](const CpuInfo& a, const CpuInfo& b) { return a.id < b.id; };
  // Discovery hands over sorted CPUs; sorting 3 KiB records anyway costs milliseconds at 4096.
  if (!std::is_sorted(cpus.begin(), cpus.end(), by_id)) std::sort(cpus.begin(), cpus.end(), by_id);
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
