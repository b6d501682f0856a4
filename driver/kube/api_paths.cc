#include "driver/kube/api_paths.h"

#include <cctype>

namespace dracpu::kube {

std::string ApiPaths::Group() const { return "/apis/" + ResourceGroupVersion(version_); }

std::string ApiPaths::ResourceSlices() const { return Group() + "/resourceslices"; }

std::string ApiPaths::ResourceSlice(const std::string& name) const {
  return ResourceSlices() + "/" + name;
}

std::string ApiPaths::ResourceClaims(const std::string& ns) const {
  if (ns.empty()) return Group() + "/resourceclaims";
  return Group() + "/namespaces/" + ns + "/resourceclaims";
}

std::string ApiPaths::ResourceClaim(const std::string& ns, const std::string& name) const {
  return ResourceClaims(ns) + "/" + name;
}

std::string ApiPaths::DeviceClass(const std::string& name) const {
  return Group() + "/deviceclasses/" + name;
}

std::string ApiPaths::Node(const std::string& name) { return "/api/v1/nodes/" + name; }

std::string ApiPaths::Pod(const std::string& ns, const std::string& name) {
  return "/api/v1/namespaces/" + ns + "/pods/" + name;
}

std::string FieldSelector(const std::vector<std::pair<std::string, std::string>>& terms) {
  std::string out;
  for (const auto& [key, value] : terms) {
    if (!out.empty()) out += ',';
    out += key + "=" + value;
  }
  return out;
}

std::string QueryEscape(std::string_view value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ValidatePathSegment(std::string_view what, std::string_view segment) {
  if (segment.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (segment.size() > 253) {
    return Status::InvalidArgument(std::string(what) + " longer than 253 characters");
  }
  for (unsigned char c : segment) {
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) {
      return Status::InvalidArgument(std::string(what) + " \"" + std::string(segment) +
                                     "\" contains a character not allowed in a name");
    }
  }
  return Status::OK();
}

}  // namespace dracpu::kube
