#include "nri-plugin/app/cpu_pinning_plugin.h"

#include <glog/logging.h>

#include <unordered_map>
#include <utility>

namespace dracpu::nri {

ContainerInfo ToContainerInfo(const api::PodSandbox& pod, const api::Container& ctr) {
  ContainerInfo info;
  info.id = ctr.id();
  info.name = ctr.name();
  info.pod_uid = pod.uid();
  info.pod_name = pod.name();
  info.pod_namespace = pod.namespace_();
  info.env.assign(ctr.env().begin(), ctr.env().end());
  info.cpuset = ctr.linux().resources().cpu().cpus();
  return info;
}

namespace {

// Later moves of one container replace earlier ones; an empty cpuset (pool unknown) is no move.
void AddMoves(const std::vector<CpusetUpdate>& moves, std::map<std::string, CpuSet>* batch) {
  for (const CpusetUpdate& m : moves) {
    if (!m.cpus.Empty()) (*batch)[m.container_id] = m.cpus;
  }
}

// One update per container. Most of a batch shares one cpuset (the shared pool), and printing a
// cpulist of thousands of CPUs is the dominant cost, so each distinct set is printed once.
std::vector<api::ContainerUpdate> ToUpdates(const std::map<std::string, CpuSet>& batch) {
  std::vector<api::ContainerUpdate> out;
  out.reserve(batch.size());
  const CpuSet* printed = nullptr;
  std::string cpulist;
  for (const auto& [id, cpus] : batch) {
    if (printed == nullptr || *printed != cpus) {
      printed = &cpus;
      cpulist = cpus.ToString();
    }
    api::ContainerUpdate& u = out.emplace_back();
    u.set_container_id(id);
    u.mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(cpulist);
    u.set_ignore_failure(true);
  }
  return out;
}

}  // namespace

api::ContainerUpdate ToContainerUpdate(const std::string& container_id, const CpuSet& cpus) {
  return ToUpdates({{container_id, cpus}}).front();
}

CpuPinningPlugin::CpuPinningPlugin(AllocationSource* source, PluginMetrics* metrics)
    : source_(source), metrics_(metrics) {}

std::vector<CpusetUpdate> CpuPinningPlugin::RefreshLocked() {
  std::optional<AllocationView> view = source_->Refresh();
  if (!view) return {};
  metrics_->state_generation.Set(static_cast<double>(view->generation));
  std::vector<CpusetUpdate> moves = policy_.SetAllocations(std::move(*view));
  PublishGaugesLocked();
  return moves;
}

void CpuPinningPlugin::PublishGaugesLocked() {
  metrics_->pinned_containers.Set(policy_.pinned_containers());
  metrics_->shared_containers.Set(policy_.shared_containers());
  metrics_->shared_pool_cpus.Set(static_cast<double>(policy_.SharedPool().Size()));
}

StatusOr<std::vector<api::ContainerUpdate>> CpuPinningPlugin::Synchronize(
    const api::SynchronizeRequest& all) {
  metrics::ScopedLatency timer(metrics_->synchronize);
  std::unordered_map<std::string, const api::PodSandbox*> pods;
  for (const api::PodSandbox& pod : all.pods()) pods[pod.id()] = &pod;
  const api::PodSandbox no_pod;
  std::vector<ContainerInfo> running;
  running.reserve(all.containers_size());
  for (const api::Container& ctr : all.containers()) {
    // A stopped container runs nowhere and cannot be updated.
    if (ctr.state() == api::CONTAINER_STOPPED) continue;
    auto pod = pods.find(ctr.pod_sandbox_id());
    running.push_back(ToContainerInfo(pod == pods.end() ? no_pod : *pod->second, ctr));
  }
  std::lock_guard<std::mutex> lock(mu_);
  RefreshLocked();  // its moves concern containers the Synchronize below replaces
  Batch batch;
  AddMoves(policy_.Synchronize(running), &batch);
  orphaned_.clear();
  unconfirmed_.clear();  // this answer sets every container's cpuset
  ++epoch_;
  PublishGaugesLocked();
  return ToUpdates(batch);
}

void CpuPinningPlugin::Disconnected() {
  // The Stub logs the loss; the next connection's Synchronize rebuilds everything.
  metrics_->reconnects.Increment();
}

StatusOr<api::CreateContainerResponse> CpuPinningPlugin::CreateContainer(
    const api::PodSandbox& pod, const api::Container& ctr) {
  metrics::ScopedLatency timer(metrics_->create_container);
  const ContainerInfo info = ToContainerInfo(pod, ctr);
  std::unique_lock<std::mutex> lock(mu_);
  Batch moves;
  AddMoves(RefreshLocked(), &moves);
  CreateResult result = policy_.CreateContainer(info);
  if (result.rejection != Rejection::kNone) {
    metrics_->rejections.WithLabels({RejectionName(result.rejection)}).Increment();
    if (!moves.empty()) {
      // A failed answer carries no updates: hand the moves to the watcher.
      for (auto& [id, cpus] : moves) orphaned_[id] = cpus;
      lock.unlock();
      if (wake_) wake_();
    }
    return result.error;
  }
  AddMoves(result.updates, &moves);
  for (const std::string& id : unconfirmed_) {
    const Placement* p = policy_.PlacementOf(id);
    if (p != nullptr && !p->cpus.Empty() && !moves.count(id)) moves[id] = p->cpus;
  }
  unconfirmed_.clear();  // solicited updates are applied with this answer
  moves.erase(info.id);  // the runtime refuses an update naming the container being created
  if (!moves.empty()) ++epoch_;
  PublishGaugesLocked();
  lock.unlock();

  api::CreateContainerResponse resp;
  if (!result.placement.cpus.Empty()) {
    resp.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(
        result.placement.cpus.ToString());
  }
  for (api::ContainerUpdate& u : ToUpdates(moves)) *resp.add_update() = std::move(u);
  return resp;
}

StatusOr<api::UpdateContainerResponse> CpuPinningPlugin::UpdateContainer(
    const api::PodSandbox& pod, const api::Container& ctr, const api::LinuxResources& res) {
  metrics::ScopedLatency timer(metrics_->update_container);
  api::UpdateContainerResponse resp;
  const std::string& requested = res.cpu().cpus();
  if (requested.empty()) return resp;  // the update leaves the cpuset alone
  std::optional<Placement> placement = PlacementOf(ctr.id());
  if (!placement || placement->cpus.Empty()) return resp;
  StatusOr<CpuSet> asked = CpuSet::Parse(requested);
  if (asked.ok() && *asked == placement->cpus) return resp;
  LOG(INFO) << "container " << pod.namespace_() << "/" << pod.name() << "/" << ctr.name()
            << ": resource update asked cpus=" << requested << ", keeping "
            << placement->cpus.ToString();
  *resp.add_update() = ToContainerUpdate(ctr.id(), placement->cpus);
  return resp;
}

StatusOr<api::StopContainerResponse> CpuPinningPlugin::StopContainer(const api::PodSandbox& pod,
                                                                     const api::Container& ctr) {
  metrics::ScopedLatency timer(metrics_->stop_container);
  std::lock_guard<std::mutex> lock(mu_);
  policy_.RemoveContainer(ctr.id());
  unconfirmed_.erase(ctr.id());
  PublishGaugesLocked();
  return api::StopContainerResponse();
}

Status CpuPinningPlugin::RemoveContainer(const api::PodSandbox& pod, const api::Container& ctr) {
  metrics::ScopedLatency timer(metrics_->remove_container);
  std::lock_guard<std::mutex> lock(mu_);
  policy_.RemoveContainer(ctr.id());
  unconfirmed_.erase(ctr.id());
  PublishGaugesLocked();
  return Status::OK();
}

CpuSet CpuPinningPlugin::SharedPool() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_.SharedPool();
}

std::optional<Placement> CpuPinningPlugin::PlacementOf(const std::string& container_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Placement* p = policy_.PlacementOf(container_id);
  if (p == nullptr) return std::nullopt;
  return *p;
}

CpuPinningPlugin::Batch CpuPinningPlugin::MovedSinceLocked(const Batch& batch) const {
  Batch moved;
  for (const auto& [id, sent] : batch) {
    const Placement* p = policy_.PlacementOf(id);
    if (p != nullptr && !p->cpus.Empty() && p->cpus != sent) moved[id] = p->cpus;
  }
  return moved;
}

void CpuPinningPlugin::ReconcileAllocations() {
  std::lock_guard<std::mutex> push_lock(push_mu_);
  Batch batch;
  uint64_t epoch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const CpuSet pool_before = policy_.SharedPool();
    // Leftovers first, re-checked against the current placement; fresh moves override them.
    for (const auto& [id, unused] : retry_) {
      const Placement* p = policy_.PlacementOf(id);
      if (p != nullptr && !p->cpus.Empty()) batch[id] = p->cpus;
    }
    for (const auto& [id, unused] : orphaned_) {
      const Placement* p = policy_.PlacementOf(id);
      if (p != nullptr && !p->cpus.Empty()) batch[id] = p->cpus;
    }
    orphaned_.clear();
    AddMoves(RefreshLocked(), &batch);
    for (const auto& [id, cpus] : batch) unconfirmed_.insert(id);
    // Only a pool that grew is pushed. A push queues behind the event the runtime is handling,
    // so a shrink pushed now could land after the claim container's creation with an older,
    // wider pool; shrinks travel in the next CreateContainer answer instead (unconfirmed_),
    // which is exactly when the claim's CPUs start being used.
    if (!pool_before.IsSubsetOf(policy_.SharedPool())) {
      VLOG(1) << "shared pool shrank to " << policy_.SharedPool().ToString() << ": " << batch.size()
              << " moves wait for the next CreateContainer answer";
      batch.clear();
    }
    epoch = epoch_;
  }
  retry_.clear();
  // A hook that moves a pushed container meanwhile makes us re-send; three rounds bound the
  // loop if hooks keep coming (the periodic tick continues from there).
  for (int round = 0; round < 3 && !batch.empty() && push_; ++round) {
    StatusOr<std::vector<api::ContainerUpdate>> failed = push_(ToUpdates(batch));
    if (!failed.ok()) {
      metrics_->update_push_failures.Increment();
      LOG(WARNING) << "pushing cpuset updates for " << batch.size()
                   << " containers failed: " << failed.status();
      // Not connected: the Synchronize of the next connection repairs every container.
      if (!failed.status().IsUnavailable()) retry_ = batch;
      return;
    }
    VLOG(1) << "pushed cpuset updates for " << batch.size() << " containers, " << failed->size()
            << " failed (containers gone)";
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, sent] : batch) {
      const Placement* p = policy_.PlacementOf(id);
      if (p == nullptr || p->cpus == sent) unconfirmed_.erase(id);
    }
    if (epoch_ == epoch) return;
    epoch = epoch_;
    batch = MovedSinceLocked(batch);
  }
}

}  // namespace dracpu::nri
