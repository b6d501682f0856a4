#include "e2e/kubelet_standin/service_choice.h"

#include <algorithm>

namespace dracpu::standin {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

}  // namespace

StatusOr<std::string> ChooseDraApi(int kubelet_minor, const std::vector<std::string>& advertised) {
  if (advertised.empty()) {
    return Status::InvalidArgument("plugin advertises no supported versions");
  }
  if (kubelet_minor < 32) {
    return Status::InvalidArgument("kubelet 1." + std::to_string(kubelet_minor) +
                                   " is not emulated (1.32 and later only)");
  }
  if (kubelet_minor <= 33) {
    if (Contains(advertised, "v1beta1.DRAPlugin")) return std::string("v1beta1");
    // The real kubelet falls back to v1alpha4 here; we do not speak it.
    return Status::FailedPrecondition("plugin services " + Join(advertised) +
                                      " lack v1beta1.DRAPlugin; v1alpha4 is not emulated");
  }
  for (const std::string& s : advertised) {
    if (s == "v1.DRAPlugin") return std::string("v1");
    if (s == "v1beta1.DRAPlugin") return std::string("v1beta1");
  }
  return Status::FailedPrecondition("none of services supported by the plugin " + Join(advertised) +
                                    " are supported by the kubelet");
}

std::string ChooseHealthService(int kubelet_minor, const std::vector<std::string>& advertised) {
  // A kubelet that knows v1 prefers it whatever the plugin's order; v1alpha1 stays usable for
  // plugins that predate v1.
  if (kubelet_minor >= 37 && Contains(advertised, "v1.DRAResourceHealth")) {
    return "v1.DRAResourceHealth";
  }
  if (kubelet_minor >= 34 && Contains(advertised, "v1alpha1.DRAResourceHealth")) {
    return "v1alpha1.DRAResourceHealth";
  }
  return "";
}

}  // namespace dracpu::standin
