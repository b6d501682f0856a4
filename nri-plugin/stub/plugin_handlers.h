// What an NRI plugin implements: one virtual handler per NRI event, called by the Stub
// (stub.h). The Stub subscribes to exactly the events whose handlers the plugin class
// overrides (SubscribedEvents<P>(), checked at compile time), like containerd/nri's Go stub.
// Nothing here knows about CPUs: policy lives in the plugin class.
//
// Threading: handlers run one at a time on the connection's dispatch thread, in the order the
// runtime sent the events. They must answer within the runtime's request timeout (2 s by
// default; a timeout makes the runtime drop the plugin). A failing CreateContainer fails the
// container's creation with the returned message.

#ifndef DRACPU_NRI_PLUGIN_STUB_PLUGIN_HANDLERS_H_
#define DRACPU_NRI_PLUGIN_STUB_PLUGIN_HANDLERS_H_

#include <cstdint>
#include <type_traits>
#include <vector>

#include "common/status.h"
#include "proto/nri_api.pb.h"

namespace dracpu::nri {

namespace api = ::nri::pkg::api::v1alpha1;

// Bit of event e in an NRI event mask (pkg/api/event.go): 1 << (e - 1).
constexpr int32_t EventBit(api::Event e) { return int32_t{1} << (static_cast<int>(e) - 1); }

class PluginHandlers {
 public:
  virtual ~PluginHandlers() = default;

  // Not events: always delivered.
  // The runtime's Configure (name, version, timeouts). Non-OK refuses the connection.
  virtual Status Configure(const api::ConfigureRequest& req) { return Status::OK(); }
  // Every pod and container the runtime has, after a (re)connection; `all` is the union of all
  // Synchronize pages. Returns the updates that bring existing containers in line.
  virtual StatusOr<std::vector<api::ContainerUpdate>> Synchronize(
      const api::SynchronizeRequest& all) {
    return std::vector<api::ContainerUpdate>{};
  }
  // The runtime asked the plugin to shut down (no runtime sends it as of NRI v0.12).
  virtual void Shutdown() {}
  // The connection to the runtime ended; the Stub reconnects and synchronizes again.
  virtual void Disconnected() {}

  // Events: override to subscribe.
  virtual Status RunPodSandbox(const api::PodSandbox& pod) { return Status::OK(); }
  virtual Status StopPodSandbox(const api::PodSandbox& pod) { return Status::OK(); }
  virtual Status RemovePodSandbox(const api::PodSandbox& pod) { return Status::OK(); }
  virtual StatusOr<api::CreateContainerResponse> CreateContainer(const api::PodSandbox& pod,
                                                                 const api::Container& ctr) {
    return api::CreateContainerResponse();
  }
  virtual Status PostCreateContainer(const api::PodSandbox& pod, const api::Container& ctr) {
    return Status::OK();
  }
  virtual Status StartContainer(const api::PodSandbox& pod, const api::Container& ctr) {
    return Status::OK();
  }
  virtual Status PostStartContainer(const api::PodSandbox& pod, const api::Container& ctr) {
    return Status::OK();
  }
  virtual StatusOr<api::UpdateContainerResponse> UpdateContainer(const api::PodSandbox& pod,
                                                                 const api::Container& ctr,
                                                                 const api::LinuxResources& res) {
    return api::UpdateContainerResponse();
  }
  virtual Status PostUpdateContainer(const api::PodSandbox& pod, const api::Container& ctr) {
    return Status::OK();
  }
  virtual StatusOr<api::StopContainerResponse> StopContainer(const api::PodSandbox& pod,
                                                             const api::Container& ctr) {
    return api::StopContainerResponse();
  }
  virtual Status RemoveContainer(const api::PodSandbox& pod, const api::Container& ctr) {
    return Status::OK();
  }
};

// The event mask for plugin class P: the bits of the handlers P (or a base between P and
// PluginHandlers) overrides. An override changes the class in the member pointer's type.
// Every bit is below 0x800, so the mask is valid for every runtime from NRI v0.2 on.
template <typename P>
constexpr int32_t SubscribedEvents() {
  static_assert(std::is_base_of_v<PluginHandlers, P>);
  using B = PluginHandlers;
  int32_t mask = 0;
  auto add = [&mask](bool overridden, api::Event e) {
    if (overridden) mask |= EventBit(e);
  };
  add(!std::is_same_v<decltype(&P::RunPodSandbox), decltype(&B::RunPodSandbox)>,
      api::RUN_POD_SANDBOX);
  add(!std::is_same_v<decltype(&P::StopPodSandbox), decltype(&B::StopPodSandbox)>,
      api::STOP_POD_SANDBOX);
  add(!std::is_same_v<decltype(&P::RemovePodSandbox), decltype(&B::RemovePodSandbox)>,
      api::REMOVE_POD_SANDBOX);
  add(!std::is_same_v<decltype(&P::CreateContainer), decltype(&B::CreateContainer)>,
      api::CREATE_CONTAINER);
  add(!std::is_same_v<decltype(&P::PostCreateContainer), decltype(&B::PostCreateContainer)>,
      api::POST_CREATE_CONTAINER);
  add(!std::is_same_v<decltype(&P::StartContainer), decltype(&B::StartContainer)>,
      api::START_CONTAINER);
  add(!std::is_same_v<decltype(&P::PostStartContainer), decltype(&B::PostStartContainer)>,
      api::POST_START_CONTAINER);
  add(!std::is_same_v<decltype(&P::UpdateContainer), decltype(&B::UpdateContainer)>,
      api::UPDATE_CONTAINER);
  add(!std::is_same_v<decltype(&P::PostUpdateContainer), decltype(&B::PostUpdateContainer)>,
      api::POST_UPDATE_CONTAINER);
  add(!std::is_same_v<decltype(&P::StopContainer), decltype(&B::StopContainer)>,
      api::STOP_CONTAINER);
  add(!std::is_same_v<decltype(&P::RemoveContainer), decltype(&B::RemoveContainer)>,
      api::REMOVE_CONTAINER);
  return mask;
}

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_STUB_PLUGIN_HANDLERS_H_
