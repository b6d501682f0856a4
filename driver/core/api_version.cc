#include "driver/core/api_version.h"

namespace dracpu {

namespace {

constexpr char kGroup[] = "resource.k8s.io/";

bool HasDevices(const web::json::value& slice) {
  return slice.is_object() && slice.has_field("spec") && slice.at("spec").is_object() &&
         slice.at("spec").has_field("devices") && slice.at("spec").at("devices").is_array();
}

}  // namespace

StatusOr<ResourceApiVersion> ParseResourceApiVersion(std::string_view text) {
  if (text == "v1") return ResourceApiVersion::kV1;
  if (text == "v1beta2") return ResourceApiVersion::kV1beta2;
  if (text == "v1beta1") return ResourceApiVersion::kV1beta1;
  return Status::InvalidArgument("resource API version \"" + std::string(text) +
                                 "\": want v1, v1beta2 or v1beta1");
}

const char* ResourceApiVersionName(ResourceApiVersion version) {
  switch (version) {
    case ResourceApiVersion::kV1: return "v1";
    case ResourceApiVersion::kV1beta2: return "v1beta2";
    case ResourceApiVersion::kV1beta1: return "v1beta1";
  }
  return "v1";
}

std::string ResourceGroupVersion(ResourceApiVersion version) {
  return std::string(kGroup) + ResourceApiVersionName(version);
}

StatusOr<ResourceApiVersion> VersionOfObject(const web::json::value& object) {
  if (!object.is_object() || !object.has_field("apiVersion") ||
      !object.at("apiVersion").is_string()) {
    return Status::InvalidArgument("object has no apiVersion string");
  }
  const std::string& api_version = object.at("apiVersion").as_string();
  if (api_version.rfind(kGroup, 0) != 0) {
    return Status::InvalidArgument("apiVersion \"" + api_version + "\" is not resource.k8s.io");
  }
  return ParseResourceApiVersion(std::string_view(api_version).substr(sizeof(kGroup) - 1));
}

web::json::value SliceFromV1(const web::json::value& slice, ResourceApiVersion version) {
  web::json::value out = slice;
  if (out.is_object()) out["apiVersion"] = web::json::value::string(ResourceGroupVersion(version));
  if (version != ResourceApiVersion::kV1beta1 || !HasDevices(out)) return out;
  web::json::value& devices = out["spec"]["devices"];
  for (size_t i = 0; i < devices.size(); ++i) {
    const web::json::value& device = devices[i];
    if (!device.is_object()) continue;
    web::json::value wrapped = web::json::value::object();
    web::json::value basic = web::json::value::object();
    for (const auto& [key, field] : device.as_object()) {
      if (key == "name") {
        wrapped["name"] = field;
      } else {
        basic[key] = field;
      }
    }
    wrapped["basic"] = std::move(basic);
    devices[i] = std::move(wrapped);
  }
  return out;
}

StatusOr<web::json::value> SliceToV1(const web::json::value& slice, ResourceApiVersion version) {
  web::json::value out = slice;
  if (out.is_object()) {
    out["apiVersion"] = web::json::value::string(ResourceGroupVersion(ResourceApiVersion::kV1));
  }
  if (version != ResourceApiVersion::kV1beta1 || !HasDevices(out)) return out;
  web::json::value& devices = out["spec"]["devices"];
  for (size_t i = 0; i < devices.size(); ++i) {
    const web::json::value& device = devices[i];
    if (!device.is_object() || !device.has_field("basic") || !device.at("basic").is_object()) {
      return Status::InvalidArgument("v1beta1 ResourceSlice device " + std::to_string(i) +
                                     " has no \"basic\" object");
    }
    web::json::value flat = device.at("basic");
    for (const auto& [key, field] : device.as_object()) {
      if (key != "basic") flat[key] = field;
    }
    devices[i] = std::move(flat);
  }
  return out;
}

}  // namespace dracpu
