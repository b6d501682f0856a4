// CpuPinningPlugin: the NRI handlers of dracpu-nri. Translates NRI messages to the policy's
// terms (cpu_policy.h) and its decisions back to NRI adjustments and updates; holds no CPU
// logic of its own and touches no bytes (the Stub does, stub.h).
//
// Events: CreateContainer (pin, confine or refuse; shrink overlapping shared containers in the
// same answer), UpdateContainer (a resource update never moves a container off its cpuset),
// StopContainer and RemoveContainer (forget the container; RemoveContainer arrives as a
// StateChange before NRI v0.12, which the Stub maps), and Synchronize (rebuild from the
// runtime's list). Mask 0x688: valid for every runtime from NRI v0.2.
//
// Allocations. Every CreateContainer and Synchronize first refreshes the view from the state
// file (one stat(2); one shared-lock read when the driver replaced the file), so a claim the
// driver just prepared is known before its container arrives. ReconcileAllocations, called by
// the state watcher (state_watcher.h) when the file changes and periodically, does the same
// outside any event and pushes the resulting updates with the runtime's UpdateContainers, so
// shared containers grow back promptly after an unprepare.
//
// Empty cpusets. Without a state file the plugin knows no online CPUs, so the shared pool is
// unknown: shared containers are then left where the runtime put them (no cpuset in the
// adjustment, no update), never narrowed to nothing.
//
// Updates carry ignore_failure: the only way one fails is that its container is gone, and a
// gone container uses no CPU.
//
// Threads: handlers run on the Stub's dispatch thread, ReconcileAllocations on the watcher's;
// one mutex serialises the policy and the state reader. The push to the runtime happens
// outside that mutex: the runtime may hold its own lock while it waits for a handler of ours.
// Because a hook may move a container while a push for it is in flight, and the runtime may
// apply the pushed (older) cpuset after the hook's answer, ReconcileAllocations re-sends the
// current placement of every pushed container that a hook moved meanwhile.

#ifndef DRACPU_NRI_PLUGIN_APP_CPU_PINNING_PLUGIN_H_
#define DRACPU_NRI_PLUGIN_APP_CPU_PINNING_PLUGIN_H_

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nri-plugin/app/allocation_source.h"
#include "nri-plugin/app/plugin_metrics.h"
#include "nri-plugin/policy/cpu_policy.h"
#include "nri-plugin/stub/plugin_handlers.h"

namespace dracpu::nri {

// The policy's view of an NRI container: ids, names, env and the current cpuset.
ContainerInfo ToContainerInfo(const api::PodSandbox& pod, const api::Container& ctr);
// An update setting linux.resources.cpu.cpus. REQUIRES: !cpus.Empty().
api::ContainerUpdate ToContainerUpdate(const std::string& container_id, const CpuSet& cpus);

// Sends unsolicited updates (Stub::UpdateContainers); returns the updates that failed.
using UpdatePusher = std::function<StatusOr<std::vector<api::ContainerUpdate>>(
    const std::vector<api::ContainerUpdate>&)>;

class CpuPinningPlugin : public PluginHandlers {
 public:
  // REQUIRES: source and metrics outlive the plugin.
  CpuPinningPlugin(AllocationSource* source, PluginMetrics* metrics);

  // Where ReconcileAllocations sends updates, and how to ask for a prompt ReconcileAllocations
  // (the watcher's Wake). REQUIRES: set before events or the watcher start.
  void SetUpdatePusher(UpdatePusher push) { push_ = std::move(push); }
  void SetWake(std::function<void()> wake) { wake_ = std::move(wake); }

  StatusOr<std::vector<api::ContainerUpdate>> Synchronize(
      const api::SynchronizeRequest& all) override;
  void Disconnected() override;
  StatusOr<api::CreateContainerResponse> CreateContainer(const api::PodSandbox& pod,
                                                         const api::Container& ctr) override;
  StatusOr<api::UpdateContainerResponse> UpdateContainer(const api::PodSandbox& pod,
                                                         const api::Container& ctr,
                                                         const api::LinuxResources& res) override;
  StatusOr<api::StopContainerResponse> StopContainer(const api::PodSandbox& pod,
                                                     const api::Container& ctr) override;
  Status RemoveContainer(const api::PodSandbox& pod, const api::Container& ctr) override;

  // Refreshes the view from the state file and pushes the updates it causes (plus any left
  // over from an earlier failed push or a refused container). Watcher thread only.
  // REQUIRES: not called from a handler.
  void ReconcileAllocations();

  // For tests and /metrics: a copy of the policy's current decisions.
  CpuSet SharedPool() const;
  std::optional<Placement> PlacementOf(const std::string& container_id) const;

 private:
  using Batch = std::map<std::string, CpuSet>;  // container id -> cpuset to apply

  // Installs a changed view; returns the moves it causes. REQUIRES: mu_ held.
  std::vector<CpusetUpdate> RefreshLocked();
  void PublishGaugesLocked();
  // The current placement of each container in `batch` that differs from what was sent.
  // REQUIRES: mu_ held.
  Batch MovedSinceLocked(const Batch& batch) const;

  AllocationSource* const source_;
  PluginMetrics* const metrics_;
  UpdatePusher push_;
  std::function<void()> wake_;

  mutable std::mutex mu_;
  CpuPolicy policy_;    // guarded by mu_
  uint64_t epoch_ = 0;  // guarded by mu_; grows whenever a hook's answer moves containers
  Batch orphaned_;      // guarded by mu_; moves a refused container's hook could not return
  // Containers whose move the runtime has not applied yet (guarded by mu_): pushes in flight and
  // deferred shrinks. Runtimes apply an unsolicited UpdateContainers under the same lock as
  // events (containerd/nri adaptation.go), so a push racing a CreateContainer lands only after
  // that container started: every CreateContainer answer carries these moves as solicited
  // updates, so a claim container never starts while a shared container still runs on its CPUs.
  std::set<std::string> unconfirmed_;

  std::mutex push_mu_;  // one ReconcileAllocations at a time
  Batch retry_;         // guarded by push_mu_; a push that failed while connected
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_APP_CPU_PINNING_PLUGIN_H_
