#include "driver/core/device_catalog.h"

#include <cstdio>

namespace dracpu {

namespace {

constexpr char kAttrCpuId[] = "dra.cpu/cpuID";
constexpr char kAttrCoreId[] = "dra.cpu/coreID";
constexpr char kAttrCoreType[] = "dra.cpu/coreType";
constexpr char kAttrCacheL3Id[] = "dra.cpu/cacheL3ID";
constexpr char kAttrNumaNode[] = "resource.kubernetes.io/numaNode";
constexpr char kAttrSocketId[] = "dra.cpu/socketID";
constexpr char kAttrSmtEnabled[] = "dra.cpu/smtEnabled";
constexpr char kAttrNumCpus[] = "dra.cpu/numCPUs";
// Older names of the NUMA node kept so claims written for the Go driver still match.
constexpr char kAttrLegacyNumaNodeId[] = "dra.cpu/numaNodeID";
constexpr char kAttrLegacyNetNumaNode[] = "dra.net/numaNode";

std::string NumberedName(const char* prefix, int number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%03d", prefix, number);
  return buf;
}

void SetNumaAttributes(int numa_node, std::map<std::string, AttributeValue>* attrs) {
  (*attrs)[kAttrNumaNode] = int64_t{numa_node};
  (*attrs)[kAttrLegacyNumaNodeId] = int64_t{numa_node};
  (*attrs)[kAttrLegacyNetNumaNode] = int64_t{numa_node};
}

// Allocatable CPUs core by core: a core's position is that of its lowest allocatable CPU.
std::vector<int> CoreSiblingOrder(const Topology& topology, const CpuSet& allocatable) {
  std::vector<int> order;
  order.reserve(allocatable.Size());
  CpuSet placed;
  for (int cpu : allocatable) {
    if (placed.Contains(cpu)) continue;
    CpuSet core = topology.CoreSiblings(cpu) & allocatable;
    core.Add(cpu);
    for (int sibling : core) order.push_back(sibling);
    placed |= core;
  }
  return order;
}

std::vector<CpuDevice> IndividualDevices(const Topology& topology, const CpuSet& allocatable) {
  std::vector<CpuDevice> devices;
  const std::vector<int> order = CoreSiblingOrder(topology, allocatable);
  devices.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const CpuInfo& info = *topology.cpu(order[i]);
    CpuDevice d;
    d.name = NumberedName("cpudev", static_cast<int>(i));
    d.cpus.Add(info.id);
    d.attributes[kAttrCpuId] = int64_t{info.id};
    d.attributes[kAttrCoreId] = int64_t{info.core};
    d.attributes[kAttrCoreType] = std::string(CoreTypeName(info.core_type));
    int cache = info.l3 >= 0 ? info.l3 : info.llc;
    if (cache >= 0) d.attributes[kAttrCacheL3Id] = int64_t{cache};
    d.attributes[kAttrSocketId] = int64_t{info.package};
    d.attributes[kAttrSmtEnabled] = topology.smt_enabled();
    SetNumaAttributes(info.numa_node, &d.attributes);
    devices.push_back(std::move(d));
  }
  return devices;
}

CpuDevice GroupDevice(std::string name, const CpuSet& cpus, bool smt) {
  CpuDevice d;
  d.name = std::move(name);
  d.cpus = cpus;
  d.cpu_capacity = cpus.Size();
  d.allow_multiple_allocations = true;
  d.attributes[kAttrNumCpus] = int64_t{cpus.Size()};
  d.attributes[kAttrSmtEnabled] = smt;
  return d;
}

std::vector<CpuDevice> GroupedDevices(const Topology& topology, GroupBy group_by,
                                      const CpuSet& allocatable) {
  std::vector<CpuDevice> devices;
  const bool smt = topology.smt_enabled();
  switch (group_by) {
    case GroupBy::kNumaNode:
      for (const auto& [node, cpus] : topology.numa_nodes()) {
        CpuSet usable = cpus & allocatable;
        if (usable.Empty()) continue;
        CpuDevice d = GroupDevice(NumberedName("cpudevnuma", node), usable, smt);
        // A NUMA node lies within one package on every machine Linux supports.
        d.attributes[kAttrSocketId] = int64_t{topology.cpu(usable.First())->package};
        SetNumaAttributes(node, &d.attributes);
        devices.push_back(std::move(d));
      }
      break;
    case GroupBy::kSocket:
      for (const auto& [socket, cpus] : topology.packages()) {
        CpuSet usable = cpus & allocatable;
        if (usable.Empty()) continue;
        CpuDevice d = GroupDevice(NumberedName("cpudevsocket", socket), usable, smt);
        d.attributes[kAttrSocketId] = int64_t{socket};
        devices.push_back(std::move(d));
      }
      break;
    case GroupBy::kMachine:
      devices.push_back(GroupDevice("cpudevmachine", allocatable, smt));
      break;
  }
  return devices;
}

}  // namespace

StatusOr<CpuDeviceMode> ParseCpuDeviceMode(std::string_view text) {
  if (text == "grouped") return CpuDeviceMode::kGrouped;
  if (text == "individual") return CpuDeviceMode::kIndividual;
  return Status::InvalidArgument("cpuDeviceMode \"" + std::string(text) +
                                 "\": want grouped or individual");
}

StatusOr<GroupBy> ParseGroupBy(std::string_view text) {
  if (text == "numanode") return GroupBy::kNumaNode;
  if (text == "socket") return GroupBy::kSocket;
  if (text == "machine") return GroupBy::kMachine;
  return Status::InvalidArgument("groupBy \"" + std::string(text) +
                                 "\": want numanode, socket or machine");
}

const char* CpuDeviceModeName(CpuDeviceMode mode) {
  return mode == CpuDeviceMode::kIndividual ? "individual" : "grouped";
}

const char* GroupByName(GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kNumaNode: return "numanode";
    case GroupBy::kSocket: return "socket";
    case GroupBy::kMachine: return "machine";
  }
  return "numanode";
}

StatusOr<DeviceCatalog> DeviceCatalog::Build(const Topology& topology, const DeviceLayout& layout) {
  DeviceCatalog c;
  c.layout_ = layout;
  c.allocatable_ = topology.online() - layout.reserved;
  if (c.allocatable_.Empty()) {
    return Status::InvalidArgument("reserved CPUs " + layout.reserved.ToString() +
                                   " cover every online CPU " + topology.online().ToString() +
                                   ": nothing left to publish or share");
  }
  c.devices_ = layout.mode == CpuDeviceMode::kIndividual
                   ? IndividualDevices(topology, c.allocatable_)
                   : GroupedDevices(topology, layout.group_by, c.allocatable_);
  for (size_t i = 0; i < c.devices_.size(); ++i) c.index_.emplace(c.devices_[i].name, i);
  return c;
}

const CpuDevice* DeviceCatalog::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &devices_[it->second];
}

}  // namespace dracpu
