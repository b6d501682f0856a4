// The ResourceSlices a node should publish: pure rendering of a DeviceCatalog as JSON.
//
// One pool per node, named after the node; devices in catalog order, chunked into slices of at
// most kMaxDevicesPerSlice (resource-api.md §3.1/§3.9; none of our devices carries taints,
// counters or list attributes, which would lower the limit to 64). Every slice carries
// spec.driver = dra.cpu, spec.nodeName, the pool {name, generation, resourceSliceCount} and an
// ownerReference to the Node (so garbage collection removes the slices with the Node).
// A catalog without devices still yields one slice with an empty device list, so the pool
// stays visible with resourceSliceCount > 0.
//
// Objects are v1-shaped; api_version.h converts them for older servers. Metadata carries the
// generateName of §10.2 ("%05x-dra.cpu-<node>-", the slice index in lower-case hex), which
// slice_plan.h uses to match existing slices to desired indexes.

#ifndef DRACPU_DRIVER_CORE_RESOURCE_SLICES_H_
#define DRACPU_DRIVER_CORE_RESOURCE_SLICES_H_

#include <cpprest/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/core/device_catalog.h"

namespace dracpu {

inline constexpr size_t kMaxDevicesPerSlice = 128;

struct SlicePoolParams {
  std::string node_name;  // pool name and spec.nodeName
  // metadata.uid of the Node, for the ownerReference; empty = no ownerReference (the API
  // server refuses an owner without uid, so a driver that could not read its Node publishes
  // unowned slices rather than none).
  std::string node_uid;
  int64_t generation = 1;
  size_t max_devices_per_slice = kMaxDevicesPerSlice;
};

// One device in the v1 shape: {name, attributes, capacity?, allowMultipleAllocations?}.
web::json::value DeviceToJson(const CpuDevice& device);

// The full desired ResourceSlice objects (apiVersion resource.k8s.io/v1), index i at [i].
// REQUIRES: params.max_devices_per_slice > 0.
std::vector<web::json::value> BuildResourceSlices(const DeviceCatalog& catalog,
                                                  const SlicePoolParams& params);

// "00000-dra.cpu-<node>-" for slice index 0 (more hex digits past 0xfffff).
std::string SliceGenerateName(size_t index, std::string_view node_name);
// The index a slice name encodes (the hex before the first '-'), or nullopt.
std::optional<size_t> SliceIndexFromName(std::string_view name);

// The ownerReference to the Node: {apiVersion v1, kind Node, name, uid, controller true}.
web::json::value NodeOwnerReference(std::string_view node_name, std::string_view node_uid);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_RESOURCE_SLICES_H_
