// How the driver turns CPUs into published devices: the two choices of the Go driver's
// `cpuDeviceMode` and `groupBy`. One definition shared by the config module (which reads them
// from flags and YAML) and driver/core/device_catalog.h (which builds the devices), so a
// config value is a catalog value without conversion.

#ifndef DRACPU_COMMON_DEVICE_LAYOUT_CHOICE_H_
#define DRACPU_COMMON_DEVICE_LAYOUT_CHOICE_H_

namespace dracpu {

enum class CpuDeviceMode { kGrouped, kIndividual };
enum class GroupBy { kNumaNode, kSocket, kMachine };

}  // namespace dracpu

#endif  // DRACPU_COMMON_DEVICE_LAYOUT_CHOICE_H_
