// REST paths of the objects the driver touches, for each served resource.k8s.io version.
//
// Every difference between v1, v1beta2 and v1beta1 that concerns *where* an object lives is in
// this file; the JSON shape differences (device `basic` wrapper, flat requests) belong to the
// code that builds or reads objects. Paths are absolute ("/apis/...") without the server.

#ifndef DRACPU_DRIVER_KUBE_API_PATHS_H_
#define DRACPU_DRIVER_KUBE_API_PATHS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "driver/core/api_version.h"

namespace dracpu::kube {

// The version enum and its parsing live with the JSON shape conversions (driver/core).
using ::dracpu::ParseResourceApiVersion;
using ::dracpu::ResourceApiVersion;
using ::dracpu::ResourceApiVersionName;
using ::dracpu::ResourceGroupVersion;

class ApiPaths {
 public:
  explicit ApiPaths(ResourceApiVersion version) : version_(version) {}

  ResourceApiVersion version() const { return version_; }

  std::string ResourceSlices() const;  // the collection (list, watch, create)
  std::string ResourceSlice(const std::string& name) const;
  std::string ResourceClaims(const std::string& ns) const;  // ns "" = all namespaces
  std::string ResourceClaim(const std::string& ns, const std::string& name) const;
  std::string DeviceClass(const std::string& name) const;
  static std::string Node(const std::string& name);
  static std::string Pod(const std::string& ns, const std::string& name);

 private:
  std::string Group() const;
  ResourceApiVersion version_;
};

// Builds "k1=v1,k2=v2" for a fieldSelector; empty values are kept ("spec.nodeName=" selects
// objects without the field).
std::string FieldSelector(const std::vector<std::pair<std::string, std::string>>& terms);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string QueryEscape(std::string_view value);

// A path segment (object name, namespace) must be a non-empty DNS-ish token without '/', '?',
// '#' or '%': names come from the network (kubelet requests), so reject rather than encode.
Status ValidatePathSegment(std::string_view what, std::string_view segment);

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_API_PATHS_H_
