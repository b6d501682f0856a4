#include "e2e/apiserver/standin_routes.h"

#include <map>
#include <sstream>

namespace dracpu::standin {
namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

const std::map<std::string, std::pair<std::string, bool>>& Resources() {
  // resource -> (kind, namespaced)
  static const auto* kResources = new std::map<std::string, std::pair<std::string, bool>>{
      {"resourceslices", {"ResourceSlice", false}},
      {"deviceclasses", {"DeviceClass", false}},
      {"resourceclaims", {"ResourceClaim", true}},
      {"nodes", {"Node", false}},
      {"pods", {"Pod", true}},
  };
  return *kResources;
}

}  // namespace

std::string KindOf(const std::string& resource) {
  auto it = Resources().find(resource);
  return it == Resources().end() ? "" : it->second.first;
}

StatusOr<Route> ParseRoute(const std::string& path) {
  const auto parts = Split(path);
  const Status not_found = Status::NotFound("the server could not find the requested resource");
  Route r;
  size_t i;
  if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") {
    r.core = true;
    r.version = "v1";
    i = 2;
  } else if (parts.size() >= 2 && parts[0] == "apis" && parts[1] == "resource.k8s.io") {
    if (parts.size() == 2) {
      r.group_discovery = true;
      return r;
    }
    r.version = parts[2];
    i = 3;
  } else {
    return not_found;
  }
  if (i + 2 < parts.size() && parts[i] == "namespaces") {
    r.ns = parts[i + 1];
    i += 2;
  }
  if (i >= parts.size()) return not_found;
  r.resource = parts[i++];
  auto res = Resources().find(r.resource);
  if (res == Resources().end()) return not_found;
  const bool core_resource = r.resource == "nodes" || r.resource == "pods";
  if (core_resource != r.core) return not_found;
  const bool namespaced = res->second.second;
  if (!namespaced && !r.ns.empty()) return not_found;
  if (i < parts.size()) {
    if (namespaced && r.ns.empty()) return not_found;  // a named object needs its namespace
    r.name = parts[i++];
  }
  if (i < parts.size()) {
    if (parts[i] != "status" || r.resource != "resourceclaims") return not_found;
    r.status = true;
    ++i;
  }
  if (i != parts.size()) return not_found;
  return r;
}

}  // namespace dracpu::standin
