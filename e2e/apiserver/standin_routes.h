// Maps a request path of the API server stand-in to the resource it names. Pure.

#ifndef DRACPU_E2E_APISERVER_STANDIN_ROUTES_H_
#define DRACPU_E2E_APISERVER_STANDIN_ROUTES_H_

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

struct Route {
  bool group_discovery = false;  // GET /apis/resource.k8s.io
  std::string version;           // "v1", "v1beta2", ... ("v1" for the core group)
  bool core = false;             // /api/v1 (Pods, Nodes)
  std::string resource;          // "resourceslices", "pods", ...
  std::string ns;                // "" for cluster-scoped or all-namespace lists
  std::string name;              // "" for the collection
  bool status = false;           // the /status subresource
};

// NotFound for paths the stand-in does not serve.
StatusOr<Route> ParseRoute(const std::string& path);

// "ResourceSlice" for "resourceslices", and so on.
std::string KindOf(const std::string& resource);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_STANDIN_ROUTES_H_
