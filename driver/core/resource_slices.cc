#include "driver/core/resource_slices.h"

#include <cstdio>

#include "driver/core/api_version.h"

namespace dracpu {

namespace {

web::json::value AttributeToJson(const AttributeValue& value) {
  web::json::value out = web::json::value::object();
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    out["int"] = web::json::value::number(*i);
  } else if (const bool* b = std::get_if<bool>(&value)) {
    out["bool"] = web::json::value::boolean(*b);
  } else {
    out["string"] = web::json::value::string(std::get<std::string>(value));
  }
  return out;
}

web::json::value SliceObject(std::vector<web::json::value> devices, size_t index,
                             size_t slice_count, const SlicePoolParams& params) {
  web::json::value metadata = web::json::value::object();
  metadata["generateName"] = web::json::value::string(SliceGenerateName(index, params.node_name));
  if (!params.node_uid.empty()) {
    metadata["ownerReferences"] =
        web::json::value::array({NodeOwnerReference(params.node_name, params.node_uid)});
  }

  web::json::value pool = web::json::value::object();
  pool["name"] = web::json::value::string(params.node_name);
  pool["generation"] = web::json::value::number(params.generation);
  pool["resourceSliceCount"] = web::json::value::number(static_cast<int64_t>(slice_count));

  web::json::value spec = web::json::value::object();
  spec["driver"] = web::json::value::string(kDriverName);
  spec["nodeName"] = web::json::value::string(params.node_name);
  spec["pool"] = std::move(pool);
  spec["devices"] = web::json::value::array(std::move(devices));

  web::json::value slice = web::json::value::object();
  slice["apiVersion"] = web::json::value::string(ResourceGroupVersion(ResourceApiVersion::kV1));
  slice["kind"] = web::json::value::string("ResourceSlice");
  slice["metadata"] = std::move(metadata);
  slice["spec"] = std::move(spec);
  return slice;
}

}  // namespace

web::json::value DeviceToJson(const CpuDevice& device) {
  web::json::value out = web::json::value::object();
  out["name"] = web::json::value::string(device.name);
  web::json::value attributes = web::json::value::object();
  for (const auto& [name, value] : device.attributes) attributes[name] = AttributeToJson(value);
  out["attributes"] = std::move(attributes);
  if (device.cpu_capacity) {
    // Quantities travel as canonical strings (resource-api.md §2); a whole count is its digits.
    web::json::value capacity = web::json::value::object();
    capacity["value"] = web::json::value::string(std::to_string(*device.cpu_capacity));
    out["capacity"] = web::json::value::object();
    out["capacity"][kCpuCapacityName] = std::move(capacity);
  }
  if (device.allow_multiple_allocations) {
    out["allowMultipleAllocations"] = web::json::value::boolean(true);
  }
  return out;
}

std::vector<web::json::value> BuildResourceSlices(const DeviceCatalog& catalog,
                                                  const SlicePoolParams& params) {
  const std::vector<CpuDevice>& devices = catalog.devices();
  const size_t per_slice = params.max_devices_per_slice;
  const size_t count = devices.empty() ? 1 : (devices.size() + per_slice - 1) / per_slice;
  std::vector<web::json::value> slices;
  slices.reserve(count);
  for (size_t s = 0; s < count; ++s) {
    std::vector<web::json::value> chunk;
    for (size_t i = s * per_slice; i < devices.size() && i < (s + 1) * per_slice; ++i) {
      chunk.push_back(DeviceToJson(devices[i]));
    }
    slices.push_back(SliceObject(std::move(chunk), s, count, params));
  }
  return slices;
}

std::string SliceGenerateName(size_t index, std::string_view node_name) {
  char hex[32];
  std::snprintf(hex, sizeof(hex), "%05zx", index);
  return std::string(hex) + "-" + kDriverName + "-" + std::string(node_name) + "-";
}

std::optional<size_t> SliceIndexFromName(std::string_view name) {
  size_t dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash > 15) return std::nullopt;
  size_t index = 0;
  for (char c : name.substr(0, dash)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    index = index * 16 + static_cast<size_t>(digit);
  }
  return index;
}

web::json::value NodeOwnerReference(std::string_view node_name, std::string_view node_uid) {
  web::json::value owner = web::json::value::object();
  owner["apiVersion"] = web::json::value::string("v1");
  owner["kind"] = web::json::value::string("Node");
  owner["name"] = web::json::value::string(std::string(node_name));
  owner["uid"] = web::json::value::string(std::string(node_uid));
  owner["controller"] = web::json::value::boolean(true);
  return owner;
}

}  // namespace dracpu
