#include "common/sysfs_topology.h"

#include <glog/logging.h>

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "common/sysfs.h"

namespace dracpu {

namespace {

// Discovery reads a file shared by a group of CPUs (a package's id, a core's siblings, a
// cache's CPU list) once per group and sets the fact on every online CPU the file lists: the
// kernel's sibling masks are symmetric, and at 4096 CPUs one read per CPU per file would cost
// tens of milliseconds. A hand-edited tree whose masks disagree is read as its first CPU says.
class Discovery {
 public:
  explicit Discovery(const std::string& root)
      : root_(root), cpu_dir_(root + "/devices/system/cpu") {}

  StatusOr<Topology> Run();

 private:
  std::string CpuPath(int id, const char* rest) const { return cpu_dir_ + "/" + CpuRel(id, rest); }
  // Relative to cpu_dir_, for reads through cpu_ (see sysfs::Dir).
  static std::string CpuRel(int id, const char* rest) {
    return "cpu" + std::to_string(id) + "/" + rest;
  }
  bool IsOnline(int id) const { return online_.Contains(id); }
  CpuInfo& at(int id) { return info_[position_[id]]; }
  // Sets a fact shared by `cpus` (read once for the group) on each of them not resolved yet.
  template <typename Fn>
  void Resolve(const CpuSet& cpus, std::vector<bool>* resolved, Fn&& set) {
    for (int m : cpus) {
      if ((*resolved)[m]) continue;
      set(at(m));
      (*resolved)[m] = true;
    }
  }
  // Logs "<message> (e.g. <example>)" once per discovery for each distinct message, whichever
  // CPU runs into it first: a gap shared by 4096 CPUs is one line, not 4096.
  void Note(bool warning, const std::string& message, const std::string& example = "");

  Status FindCpus();
  Status ReadPackageAndDie(int id);
  Status ReadCore(int id);
  Status ReadCaches(int id);
  Status ReadNuma();
  Status ReadCoreTypes();
  void ReadOfflineCpu(int id);
  // The first of `names` (under cpuN/topology/) that exists, as a set; NotFound if none.
  StatusOr<CpuSet> ReadTopologySet(int id, std::initializer_list<const char*> names);

  std::string root_, cpu_dir_;
  std::vector<int> ids_;
  CpuSet present_, online_, isolated_;
  std::vector<CpuInfo> info_;  // ascending by id, handed to Topology::Build as is
  std::vector<int> position_;  // CPU id -> index in info_
  std::vector<bool> have_package_, have_die_, have_core_, have_caches_;
  int threads_are_cores_ = -1;  // -1: not known yet (see the AMD compute unit note)
  std::set<std::string> noted_;
  std::optional<sysfs::Dir> cpu_;  // cpu_dir_, opened once
};

void Discovery::Note(bool warning, const std::string& message, const std::string& example) {
  if (!noted_.insert(message).second) return;
  std::string line = "topology: " + message + (example.empty() ? "" : " (e.g. " + example + ")");
  if (warning) {
    LOG(WARNING) << line;
  } else {
    VLOG(1) << line;
  }
}

StatusOr<CpuSet> Discovery::ReadTopologySet(int id, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    std::string rel = CpuRel(id, "topology/") + name;
    std::string_view n(name);
    bool is_list = n.size() > 5 && n.substr(n.size() - 5) == "_list";
    StatusOr<CpuSet> set = is_list ? cpu_->ReadCpuList(rel) : cpu_->ReadCpuMask(rel);
    if (set.ok() || !set.status().IsNotFound()) return set;
  }
  return Status::NotFound(CpuPath(id, "topology/") + *names.begin());
}

Status Discovery::FindCpus() {
  auto names = sysfs::ListDir(cpu_dir_);
  if (!names.ok()) return names.status().Annotate("topology: the CPU folder is required");
  for (const std::string& name : *names) {
    int id = sysfs::NumberAfterPrefix(name, "cpu");
    if (id < 0) continue;
    if (id > CpuSet::kMaxCpuId) {
      Note(true, "CPU ids above " + std::to_string(CpuSet::kMaxCpuId) + " ignored", name);
      continue;
    }
    present_.Add(id);
  }
  if (present_.Empty()) return Status::NotFound("topology: no cpuN folder in " + cpu_dir_);
  auto dir = sysfs::Dir::Open(cpu_dir_);
  if (!dir.ok()) return dir.status();
  cpu_.emplace(std::move(dir).value());
  ids_ = present_.ToVector();

  StatusOr<CpuSet> online = sysfs::ReadCpuList(cpu_dir_ + "/online");
  if (online.ok()) {
    online_ = *online & present_;
    return Status::OK();
  }
  if (!online.status().IsNotFound()) return online.status();
  Note(false, "no " + cpu_dir_ + "/online; reading each cpuN/online (absent = online)");
  for (int id : ids_) {
    StatusOr<int64_t> flag = cpu_->ReadInt(CpuRel(id, "online"));
    if (flag.ok() && *flag == 0) continue;
    if (!flag.ok() && !flag.status().IsNotFound()) return flag.status();
    online_.Add(id);
  }
  return Status::OK();
}

Status Discovery::ReadPackageAndDie(int id) {
  if (!have_package_[id]) {
    std::string path = CpuPath(id, "topology/physical_package_id");
    StatusOr<int64_t> package = cpu_->ReadInt(CpuRel(id, "topology/physical_package_id"));
    if (!package.ok()) {
      return package.status().Annotate("topology: required for online CPU " + std::to_string(id));
    }
    int value = static_cast<int>(*package);
    if (*package < 0 || *package > (1 << 30)) {
      Note(true, "physical_package_id is not a package number; package 0 assumed",
           path + " = " + std::to_string(*package));
      value = 0;
    }
    // The package's CPU list, when the kernel gives one, answers for every CPU in it.
    StatusOr<CpuSet> members = ReadTopologySet(id, {"package_cpus_list", "core_siblings_list"});
    CpuSet same = members.ok() && members->Contains(id) ? *members & online_ : CpuSet{id};
    Resolve(same, &have_package_, [&](CpuInfo& c) { c.package = value; });
  }
  if (!have_die_[id]) {
    StatusOr<int64_t> die = cpu_->ReadInt(CpuRel(id, "topology/die_id"));
    int value = 0;
    if (die.ok() && *die >= 0 && *die <= (1 << 30)) {
      value = static_cast<int>(*die);
    } else if (die.ok() || die.status().IsNotFound()) {
      Note(false, "no usable topology/die_id (kernels before 5.2 have none); die 0 assumed");
    } else {
      return die.status();
    }
    StatusOr<CpuSet> members = ReadTopologySet(id, {"die_cpus_list"});
    CpuSet same =
        die.ok() && members.ok() && members->Contains(id) ? *members & online_ : CpuSet{id};
    Resolve(same, &have_die_, [&](CpuInfo& c) { c.die = value; });
  }
  return Status::OK();
}

Status Discovery::ReadCore(int id) {
  if (have_core_[id]) return Status::OK();
  StatusOr<CpuSet> siblings = ReadTopologySet(
      id, {"core_cpus_list", "thread_siblings_list", "core_cpus", "thread_siblings"});
  if (!siblings.ok()) {
    return siblings.status().Annotate("topology: core siblings required for online CPU " +
                                      std::to_string(id));
  }
  CpuSet core = *siblings;
  core.Add(id);
  CpuSet online_core = core & online_;
  std::vector<int> members = online_core.ToVector();
  // AMD compute units list two cores as "thread siblings"; their core_id values differ. Like
  // hwloc, decide once from the first sibling pair whether siblings are threads or cores.
  if (members.size() > 1 && threads_are_cores_ < 0) {
    auto a = cpu_->ReadInt(CpuRel(members[0], "topology/core_id"));
    auto b = cpu_->ReadInt(CpuRel(members[1], "topology/core_id"));
    threads_are_cores_ = a.ok() && b.ok() && *a != *b ? 1 : 0;
    if (threads_are_cores_) {
      Note(false, "thread siblings with different core_id (AMD compute units): each is a core");
    }
  }
  if (members.size() > 1 && threads_are_cores_ == 1) {
    std::vector<int64_t> core_ids;
    for (int m : members) {
      auto cid = cpu_->ReadInt(CpuRel(m, "topology/core_id"));
      core_ids.push_back(cid.ok() ? *cid : -1 - m);  // unreadable: a core of its own
    }
    for (size_t i = 0; i < members.size(); ++i) {
      CpuSet same;
      for (size_t j = 0; j < members.size(); ++j) {
        if (core_ids[j] == core_ids[i]) same.Add(members[j]);
      }
      at(members[i]).core_cpus = same;
      have_core_[members[i]] = true;
    }
    return Status::OK();
  }
  Resolve(online_core, &have_core_, [&](CpuInfo& c) { c.core_cpus = core; });
  return Status::OK();
}

Status Discovery::ReadCaches(int id) {
  if (have_caches_[id]) return Status::OK();
  const std::string cache_rel = CpuRel(id, "cache");
  const std::string cache_dir = cpu_dir_ + "/" + cache_rel;
  auto names = sysfs::ListDir(cache_dir);
  if (!names.ok()) {
    if (!names.status().IsNotFound()) return names.status();
    Note(false, "no cache information; no L3 or last-level cache groups", cache_dir);
    have_caches_[id] = true;
    return Status::OK();
  }
  int l3_index = -1, llc_index = -1, llc_level = 0;
  for (const std::string& name : *names) {
    int index = sysfs::NumberAfterPrefix(name, "index");
    if (index < 0) continue;
    std::string dir = cache_rel + "/" + name;
    auto level = cpu_->ReadInt(dir + "/level");
    if (!level.ok()) {
      if (!level.status().IsNotFound()) return level.status();
      Note(true, "cache folder without a level file ignored", cpu_dir_ + "/" + dir);
      continue;
    }
    if (*level != 3 && *level < llc_level) continue;  // neither L3 nor the last level
    auto type = cpu_->ReadTrimmed(dir + "/type");
    if (type.ok() && *type == "Instruction") continue;  // never the one data is shared in
    if (*level == 3 && (l3_index < 0 || index < l3_index)) l3_index = index;
    if (*level > llc_level || (*level == llc_level && index < llc_index)) {
      llc_level = static_cast<int>(*level);
      llc_index = index;
    }
  }
  auto shared = [&](int index) -> StatusOr<CpuSet> {
    std::string dir = cache_rel + "/index" + std::to_string(index);
    StatusOr<CpuSet> set = cpu_->ReadCpuList(dir + "/shared_cpu_list");
    if (!set.ok() && set.status().IsNotFound()) set = cpu_->ReadCpuMask(dir + "/shared_cpu_map");
    if (!set.ok()) {
      if (!set.status().IsNotFound()) return set.status();
      Note(true, "cache without shared_cpu_list or shared_cpu_map: private assumed",
           cpu_dir_ + "/" + dir);
      return CpuSet{id};
    }
    // ia64 reports some caches with an empty mask: private to the core.
    if (set->Empty()) return at(id).core_cpus.Empty() ? CpuSet{id} : at(id).core_cpus;
    CpuSet s = *set;
    s.Add(id);
    return s;
  };
  CpuSet l3, llc;
  if (l3_index >= 0) {
    auto s = shared(l3_index);
    if (!s.ok()) return s.status();
    l3 = *s;
  }
  if (llc_index >= 0 && llc_index == l3_index) {
    llc = l3;
  } else if (llc_index >= 0) {
    auto s = shared(llc_index);
    if (!s.ok()) return s.status();
    llc = *s;
  }
  CpuSet same = llc.Empty() ? CpuSet{id} : (l3.Empty() ? llc : l3 & llc) & online_;
  same.Add(id);
  Resolve(same, &have_caches_, [&](CpuInfo& c) {
    c.l3_cpus = l3;
    c.llc_cpus = llc;
  });
  return Status::OK();
}

Status Discovery::ReadNuma() {
  std::string node_dir = root_ + "/devices/system/node";
  auto names = sysfs::ListDir(node_dir);
  if (!names.ok()) {
    if (!names.status().IsNotFound()) return names.status();
    Note(false, "no " + node_dir + ": one NUMA node, 0");
    for (int id : ids_) at(id).numa_node = 0;
    return Status::OK();
  }
  std::vector<int> nodes;
  for (const std::string& name : *names) {
    int node = sysfs::NumberAfterPrefix(name, "node");
    if (node >= 0) nodes.push_back(node);
  }
  std::sort(nodes.begin(), nodes.end());
  CpuSet assigned;
  for (int node : nodes) {
    std::string dir = node_dir + "/node" + std::to_string(node);
    StatusOr<CpuSet> cpus = sysfs::ReadCpuList(dir + "/cpulist");
    if (!cpus.ok() && cpus.status().IsNotFound()) cpus = sysfs::ReadCpuMask(dir + "/cpumap");
    if (!cpus.ok() && cpus.status().IsNotFound()) {
      // Oldest kernels: only cpuM links inside the node folder.
      auto entries = sysfs::ListDir(dir);
      if (!entries.ok()) return entries.status();
      CpuSet linked;
      for (const std::string& e : *entries) linked.Add(sysfs::NumberAfterPrefix(e, "cpu"));
      cpus = linked;
    }
    if (!cpus.ok()) return cpus.status();
    if (cpus->Intersects(assigned)) {
      Note(true, "CPUs listed in two NUMA nodes; lowest node kept", dir);
    }
    for (int id : *cpus - assigned) {
      if (present_.Contains(id)) at(id).numa_node = node;
    }
    assigned |= *cpus;
  }
  for (int id : present_ - assigned) {
    // Some kernels link cpuN/nodeM without listing the CPU in the node folder.
    auto entries = sysfs::ListDir(cpu_dir_ + "/cpu" + std::to_string(id));
    int node = -1;
    if (entries.ok()) {
      for (const std::string& e : *entries) {
        int n = sysfs::NumberAfterPrefix(e, "node");
        if (n >= 0 && (node < 0 || n < node)) node = n;
      }
    }
    if (node < 0 && IsOnline(id)) {
      Note(true, "online CPUs without a NUMA node; node 0 assumed", "cpu" + std::to_string(id));
      node = 0;
    }
    at(id).numa_node = node;
  }
  return Status::OK();
}

Status Discovery::ReadCoreTypes() {
  auto pcores = sysfs::ReadCpuList(root_ + "/devices/cpu_core/cpus");
  auto ecores = sysfs::ReadCpuList(root_ + "/devices/cpu_atom/cpus");
  for (const auto* r : {&pcores, &ecores}) {
    if (!r->ok() && !r->status().IsNotFound()) return r->status();
  }
  if (!pcores.ok() && !ecores.ok()) return Status::OK();  // not a hybrid part: all standard
  for (int id : ids_) {
    if (pcores.ok() && pcores->Contains(id)) at(id).core_type = CoreType::kPerformance;
    if (ecores.ok() && ecores->Contains(id)) at(id).core_type = CoreType::kEfficiency;
  }
  return Status::OK();
}

void Discovery::ReadOfflineCpu(int id) {
  // The kernel removes topology/ of an offline CPU on most versions; take what is left.
  auto package = cpu_->ReadInt(CpuRel(id, "topology/physical_package_id"));
  at(id).package = package.ok() && *package >= 0 ? static_cast<int>(*package) : -1;
  auto die = cpu_->ReadInt(CpuRel(id, "topology/die_id"));
  at(id).die = die.ok() && *die >= 0 ? static_cast<int>(*die) : (package.ok() ? 0 : -1);
  auto siblings = ReadTopologySet(id, {"core_cpus_list", "thread_siblings_list"});
  if (siblings.ok()) at(id).core_cpus = *siblings;
}

StatusOr<Topology> Discovery::Run() {
  DRACPU_RETURN_IF_ERROR(FindCpus());
  const size_t n = static_cast<size_t>(ids_.back()) + 1;
  info_.resize(ids_.size());
  position_.assign(n, -1);
  for (size_t i = 0; i < ids_.size(); ++i) position_[ids_[i]] = static_cast<int>(i);
  have_package_.assign(n, false);
  have_die_.assign(n, false);
  have_core_.assign(n, false);
  have_caches_.assign(n, false);
  for (int id : ids_) {
    at(id).id = id;
    at(id).online = IsOnline(id);
    if (!at(id).online) {
      ReadOfflineCpu(id);
      continue;
    }
    DRACPU_RETURN_IF_ERROR(ReadPackageAndDie(id));
    DRACPU_RETURN_IF_ERROR(ReadCore(id));
    DRACPU_RETURN_IF_ERROR(ReadCaches(id));
  }
  DRACPU_RETURN_IF_ERROR(ReadNuma());
  DRACPU_RETURN_IF_ERROR(ReadCoreTypes());
  auto isolated = sysfs::ReadCpuList(cpu_dir_ + "/isolated");
  if (isolated.ok()) {
    isolated_ = *isolated;
  } else if (!isolated.status().IsNotFound()) {
    return isolated.status();
  }
  auto topology = Topology::Build(std::move(info_), isolated_);
  if (!topology.ok()) return topology.status().Annotate(root_);
  return topology;
}

}  // namespace

StatusOr<Topology> DiscoverTopology(const std::string& sysfs_root) {
  return Discovery(sysfs_root).Run();
}

}  // namespace dracpu
