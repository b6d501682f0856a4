#include "common/testing/hwloc_compare.h"

#include <set>

namespace dracpu::testing {

namespace {

std::string Describe(const std::set<CpuSet>& groups) {
  std::string out;
  for (const CpuSet& g : groups) out += (out.empty() ? "{" : " {") + g.ToString() + "}";
  return out.empty() ? "(none)" : out;
}

CpuSet UnionOf(const std::vector<HwlocObject>& objects) {
  CpuSet all;
  for (const HwlocObject& o : objects) all |= o.cpus;
  return all;
}

// Compares one kind of group, restricted to the CPUs the key covers for it.
void CompareKind(const std::string& kind, const std::vector<HwlocObject>& expected,
                 const std::vector<CpuSet>& found, const CpuSet& online, bool key_complete,
                 std::vector<std::string>* errors) {
  const CpuSet cover = UnionOf(expected) & online;
  std::set<CpuSet> want, got;
  for (const HwlocObject& o : expected) {
    CpuSet s = o.cpus & online;
    if (!s.Empty()) want.insert(s);
  }
  CpuSet found_all;
  for (const CpuSet& g : found) {
    found_all |= g;
    if (g.Intersects(cover) && !g.IsSubsetOf(cover)) {
      errors->push_back(kind + " {" + g.ToString() + "} straddles the CPUs hwloc describes (" +
                        cover.ToString() + ")");
    }
    CpuSet s = g & cover;
    if (!s.Empty()) got.insert(s);
  }
  if (want != got) {
    errors->push_back(kind + ": hwloc " + Describe(want) + " but discovered " + Describe(got));
  }
  if (key_complete && !expected.empty() && cover != online) {
    errors->push_back(kind + ": hwloc covers " + cover.ToString() + ", not every online CPU " +
                      online.ToString());
  }
  if (key_complete && expected.empty() && !found_all.Empty()) {
    errors->push_back(kind + ": hwloc has none but discovered " + found_all.ToString());
  }
}

void CompareById(const std::string& kind, const std::vector<HwlocObject>& expected,
                 const std::map<int, CpuSet>& found, const CpuSet& online,
                 std::vector<std::string>* errors) {
  for (const HwlocObject& o : expected) {
    CpuSet want = o.cpus & online;
    if (want.Empty()) continue;
    auto it = found.find(o.os_index);
    CpuSet got = it == found.end() ? CpuSet{} : it->second;
    if (got != want) {
      errors->push_back(kind + " P#" + std::to_string(o.os_index) + ": hwloc {" + want.ToString() +
                        "} but discovered {" + got.ToString() + "}");
    }
  }
}

std::vector<CpuSet> Values(const std::map<int, CpuSet>& m) {
  std::vector<CpuSet> v;
  for (const auto& [id, set] : m) v.push_back(set);
  return v;
}

}  // namespace

DiscoveredGroups GroupsOf(const Topology& t) {
  DiscoveredGroups g;
  for (const CpuInfo& c : t.cpus()) g.all.Add(c.id);
  g.online = t.online();
  g.packages = t.packages();
  g.numa_nodes = t.numa_nodes();
  g.l3_groups = Values(t.l3_groups());
  g.cores = Values(t.cores());
  g.smt_enabled = t.smt_enabled();
  return g;
}

std::vector<std::string> CompareWithHwloc(const HwlocKey& key, const DiscoveredGroups& found) {
  std::vector<std::string> errors;
  if (found.all != key.machine) {
    errors.push_back("CPUs: hwloc knows " + key.machine.ToString() + ", discovered " +
                     found.all.ToString());
  }
  if (!key.allowed.IsSubsetOf(found.online)) {
    errors.push_back("hwloc uses CPUs " + key.allowed.ToString() + " that are not online (" +
                     found.online.ToString() + ")");
  }
  // The key describes every online CPU unless the dumping process was confined to fewer.
  const bool complete = key.allowed == found.online;
  CpuSet pus;
  for (const HwlocObject& pu : key.pus) pus.Add(pu.os_index);
  if (complete && pus != found.online) {
    errors.push_back("PUs: hwloc " + pus.ToString() + ", online " + found.online.ToString());
  }
  CompareKind("package", key.packages, Values(found.packages), found.online, complete, &errors);
  CompareById("package", key.packages, found.packages, found.online, &errors);
  CompareKind("NUMA node", key.numa_nodes, Values(found.numa_nodes), found.online, complete,
              &errors);
  CompareById("NUMA node", key.numa_nodes, found.numa_nodes, found.online, &errors);
  CompareKind("L3", key.l3_caches, found.l3_groups, found.online, complete, &errors);
  CompareKind("core", key.cores, found.cores, found.online, complete, &errors);
  // SMT pairs: the cores with more than one thread, and the machine-wide flag.
  std::vector<HwlocObject> smt_key;
  bool key_smt = false;
  for (const HwlocObject& c : key.cores) {
    if ((c.cpus & found.online).Size() > 1) {
      smt_key.push_back(c);
      key_smt = true;
    }
  }
  std::vector<CpuSet> smt_found;
  for (const CpuSet& c : found.cores) {
    if (c.Size() > 1) smt_found.push_back(c);
  }
  CompareKind("SMT core", smt_key, smt_found, found.online, false, &errors);
  if (complete && key_smt != found.smt_enabled) {
    errors.push_back(std::string("smtEnabled: hwloc ") + (key_smt ? "true" : "false"));
  }
  return errors;
}

}  // namespace dracpu::testing
