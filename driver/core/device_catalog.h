// DeviceCatalog: the devices this node publishes, and the CPUs behind each one.
//
// One value answers both questions the driver asks about devices: "what do I publish?"
// (resource_slices.h renders the catalog as ResourceSlices) and "which CPUs does device X
// stand for?" (claim_cpus.h, at NodePrepareResources). Both come from the same Build, so the
// published names and the names resolved at prepare can never disagree — as long as the
// catalog is rebuilt from the same topology and layout (it is deterministic).
//
// Modes (the Go driver's `cpuDeviceMode`):
//   individual: one device per allocatable CPU (online - reserved). Devices are ordered core
//     by core (cores by their lowest allocatable CPU id, the CPUs of one core ascending), so
//     SMT siblings are adjacent and a scheduler that takes devices in order fills whole cores.
//     Names are "cpudev" + the position in that order, printf "%03d": cpudev000 ... cpudev999,
//     then cpudev1000 ... (the Go driver's format; at most 10 characters, cpudev8191, far
//     below the 63-character DNS-label limit of device names).
//   grouped: one device per NUMA node ("cpudevnuma" + "%03d" of the kernel's node id), per
//     socket ("cpudevsocket" + "%03d" of the package id), or one "cpudevmachine"; each carries
//     the allocatable CPUs of its group as the consumable capacity dra.cpu/cpu and allows
//     multiple allocations. Groups with no allocatable CPU are not published.
// Reserved CPUs are in no device.
//
// Attributes follow kubernetes-sigs/dra-driver-cpu (resource-api.md §3.4), plus the standard
// resource.kubernetes.io/numaNode. `dra.cpu/coreID` and `dra.cpu/cacheL3ID` are the
// node-unique indexes Topology assigns (the kernel's core_id repeats across packages);
// cacheL3ID falls back to the last-level cache index on machines without an L3 and is left
// out when the machine reports no cache at all.

#ifndef DRACPU_DRIVER_CORE_DEVICE_CATALOG_H_
#define DRACPU_DRIVER_CORE_DEVICE_CATALOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/cpuset.h"
#include "common/device_layout_choice.h"
#include "common/status.h"
#include "common/topology.h"

namespace dracpu {

inline constexpr char kDriverName[] = "dra.cpu";
// The consumable capacity of grouped devices: a count of whole CPUs.
inline constexpr char kCpuCapacityName[] = "dra.cpu/cpu";

// "grouped" | "individual"; "numanode" | "socket" | "machine" (the flag and config spellings).
StatusOr<CpuDeviceMode> ParseCpuDeviceMode(std::string_view text);
StatusOr<GroupBy> ParseGroupBy(std::string_view text);
const char* CpuDeviceModeName(CpuDeviceMode mode);
const char* GroupByName(GroupBy group_by);

struct DeviceLayout {
  CpuDeviceMode mode = CpuDeviceMode::kGrouped;
  GroupBy group_by = GroupBy::kNumaNode;  // only for kGrouped
  CpuSet reserved;                        // never published
};

// A device attribute value: int, bool or string, as the API's DeviceAttribute.
using AttributeValue = std::variant<int64_t, bool, std::string>;

struct CpuDevice {
  std::string name;
  // individual: the one CPU; grouped: every allocatable CPU of the group.
  CpuSet cpus;
  // Fully qualified attribute name -> value; ordered so rendering is deterministic.
  std::map<std::string, AttributeValue> attributes;
  // Grouped devices only: the dra.cpu/cpu capacity (= cpus.Size()).
  std::optional<int64_t> cpu_capacity;
  bool allow_multiple_allocations = false;
};

class DeviceCatalog {
 public:
  DeviceCatalog() = default;

  // REQUIRES: layout.reserved leaves at least one online CPU. Returns InvalidArgument when the
  // reserved CPUs cover every online CPU (nothing could be published or shared).
  static StatusOr<DeviceCatalog> Build(const Topology& topology, const DeviceLayout& layout);

  const DeviceLayout& layout() const { return layout_; }
  // online - reserved: the CPUs that devices cover, and the upper bound of the shared pool.
  const CpuSet& allocatable() const { return allocatable_; }
  // In publication order.
  const std::vector<CpuDevice>& devices() const { return devices_; }
  // nullptr when this node publishes no device of that name.
  const CpuDevice* Find(std::string_view name) const;

 private:
  DeviceLayout layout_;
  CpuSet allocatable_;
  std::vector<CpuDevice> devices_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_DEVICE_CATALOG_H_
