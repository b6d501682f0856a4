// The checks a current kubelet applies to a plugin's GetInfo answer before it dials anything
// (kubelet dra_plugin_manager: GetInfo is untrusted input). Pure.
//   - driver name: 1..63 characters of [a-z0-9.-], starting and ending alphanumeric;
//   - endpoint: absolute, shorter than sockaddr_un's 108 bytes, and lexically (after
//     resolving "." and "..") inside the kubelet root folder.

#ifndef DRACPU_E2E_KUBELET_STANDIN_PLUGIN_VALIDATION_H_
#define DRACPU_E2E_KUBELET_STANDIN_PLUGIN_VALIDATION_H_

#include <string>

#include "common/status.h"

namespace dracpu::standin {

Status ValidateDriverName(const std::string& name);

// REQUIRES: root_dir absolute.
Status ValidateEndpoint(const std::string& endpoint, const std::string& root_dir);

// "/a/./b/../c/" -> "/a/c"; never climbs above "/".
std::string CleanPath(const std::string& path);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_KUBELET_STANDIN_PLUGIN_VALIDATION_H_
