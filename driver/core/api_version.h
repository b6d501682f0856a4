// The resource.k8s.io versions the driver speaks, and the one place where their JSON differs.
//
// Everything else in the driver builds and reads ResourceSlices in the v1 shape. Objects go to
// an older API server through SliceFromV1 and come back through SliceToV1 (resource-api.md
// §3.8): v1beta1 wraps each device's fields in "basic"; v1beta2 and v1 share one JSON shape.
// ResourceClaim status — the only part of a claim the driver reads — is identical in all three
// (§4.7), so claims need no conversion beyond checking the apiVersion (claim_allocation.h).

#ifndef DRACPU_DRIVER_CORE_API_VERSION_H_
#define DRACPU_DRIVER_CORE_API_VERSION_H_

#include <cpprest/json.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace dracpu {

enum class ResourceApiVersion { kV1, kV1beta2, kV1beta1 };

// "v1" | "v1beta2" | "v1beta1" (the --resource-api-version flag).
StatusOr<ResourceApiVersion> ParseResourceApiVersion(std::string_view text);
// "v1", "v1beta2", "v1beta1".
const char* ResourceApiVersionName(ResourceApiVersion version);
// "resource.k8s.io/v1" etc.: an object's apiVersion and the REST path segment.
std::string ResourceGroupVersion(ResourceApiVersion version);
// The version named by an object's apiVersion ("resource.k8s.io/v1beta1" -> kV1beta1).
StatusOr<ResourceApiVersion> VersionOfObject(const web::json::value& object);

// Returns `slice` (a v1-shaped ResourceSlice object or list item) as `version` expects it,
// apiVersion included. The input is not modified.
web::json::value SliceFromV1(const web::json::value& slice, ResourceApiVersion version);
// The inverse: a ResourceSlice read from the server in `version`, in the v1 shape.
// Returns InvalidArgument when a v1beta1 device is not {"name", "basic": {...}}.
StatusOr<web::json::value> SliceToV1(const web::json::value& slice, ResourceApiVersion version);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_API_VERSION_H_
