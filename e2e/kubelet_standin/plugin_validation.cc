#include "e2e/kubelet_standin/plugin_validation.h"

#include <sstream>
#include <vector>

namespace dracpu::standin {
namespace {

constexpr size_t kMaxDriverName = 63;
constexpr size_t kMaxSocketPath = 107;  // sun_path holds 108 bytes with the NUL

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

Status ValidateDriverName(const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("driver name: Required value");
  if (name.size() > kMaxDriverName) {
    return Status::InvalidArgument("driver name \"" + name + "\": Too long (max 63)");
  }
  for (char c : name) {
    if (!IsAlnum(c) && c != '-' && c != '.') {
      return Status::InvalidArgument("invalid DRA driver name \"" + name + "\"");
    }
  }
  if (!IsAlnum(name.front()) || !IsAlnum(name.back())) {
    return Status::InvalidArgument("invalid DRA driver name \"" + name + "\"");
  }
  return Status::OK();
}

std::string CleanPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

Status ValidateEndpoint(const std::string& endpoint, const std::string& root_dir) {
  if (endpoint.empty()) return Status::InvalidArgument("empty DRA plugin endpoint");
  if (endpoint[0] != '/') {
    return Status::InvalidArgument("endpoint \"" + endpoint + "\" must be an absolute path");
  }
  if (endpoint.size() > kMaxSocketPath) {
    return Status::InvalidArgument("endpoint \"" + endpoint + "\" is longer than " +
                                   std::to_string(kMaxSocketPath) + " bytes");
  }
  const std::string root = CleanPath(root_dir);
  const std::string clean = CleanPath(endpoint);
  if (clean.compare(0, root.size() + 1, root + "/") != 0) {
    return Status::InvalidArgument("endpoint \"" + endpoint + "\" is not inside " + root);
  }
  return Status::OK();
}

}  // namespace dracpu::standin
