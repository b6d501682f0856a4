// The kubelet half of DriverRig: everything that talks to the kubelet stand-in.

#include "driver/app/testing/driver_rig.h"
#include "e2e/kubelet_standin/kubelet_standin.h"

namespace dracpu::testing {

struct DriverRig::Kubelet {
  standin::KubeletStandin standin;
  standin::RegisteredPlugin plugin;
};

void DriverRig::KubeletDeleter::operator()(Kubelet* kubelet) const { delete kubelet; }

Status DriverRig::RegisterKubelet() {
  standin::KubeletStandinOptions options;
  options.root_dir = root_ + "/kubelet";
  options.call_timeout = options_.kubelet_call_timeout;
  options.max_attempts = options_.kubelet_attempts;
  kubelet_.reset(new Kubelet{standin::KubeletStandin(options), {}});
  StatusOr<standin::RegisteredPlugin> plugin =
      kubelet_->standin.Register(registry_dir() + "/dra.cpu-reg.sock");
  if (!plugin.ok()) return plugin.status();
  kubelet_->plugin = std::move(*plugin);
  return Status::OK();
}

StatusOr<std::map<std::string, kubelet::ClaimOutcome>> DriverRig::Prepare(
    const std::vector<kubelet::ClaimRef>& claims) {
  return kubelet_->standin.Prepare(kubelet_->plugin, claims);
}

StatusOr<std::map<std::string, std::string>> DriverRig::Unprepare(
    const std::vector<kubelet::ClaimRef>& claims) {
  return kubelet_->standin.Unprepare(kubelet_->plugin, claims);
}

StatusOr<std::vector<size_t>> DriverRig::WatchHealth(int messages,
                                                     std::chrono::milliseconds timeout) {
  auto lists = kubelet_->standin.WatchHealth(kubelet_->plugin, messages, timeout);
  if (!lists.ok()) return lists.status();
  std::vector<size_t> sizes;
  for (const auto& list : *lists) sizes.push_back(list.size());
  return sizes;
}

}  // namespace dracpu::testing
