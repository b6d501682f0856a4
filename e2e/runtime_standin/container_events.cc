// RuntimeStandin: pods, containers and the hooks their lifecycle calls.

#include <glog/logging.h>

#include "e2e/runtime_standin/runtime_standin.h"

namespace dracpu::standin {
namespace {

// The dedicated v0.12 RPC of an event that older runtimes send as StateChange.
const char* DedicatedMethod(api::Event e) {
  switch (e) {
    case api::RUN_POD_SANDBOX: return "RunPodSandbox";
    case api::STOP_POD_SANDBOX: return "StopPodSandbox";
    case api::REMOVE_POD_SANDBOX: return "RemovePodSandbox";
    case api::POST_CREATE_CONTAINER: return "PostCreateContainer";
    case api::START_CONTAINER: return "StartContainer";
    case api::POST_START_CONTAINER: return "PostStartContainer";
    case api::REMOVE_CONTAINER: return "RemoveContainer";
    default: return nullptr;
  }
}

}  // namespace

bool RuntimeStandin::Subscribed(api::Event e) const {
  int32_t mask = events_.load();
  if (mask == 0) mask = options_.profile.valid_events;
  return (mask & (1 << (static_cast<int>(e) - 1))) != 0;
}

template <typename Req, typename Resp>
Status RuntimeStandin::Hook(const std::string& method, const Req& req, Resp* resp,
                            bool* delivered) {
  *delivered = false;
  std::shared_ptr<PluginLink> link = LivePlugin();
  if (!link) return Status::OK();
  Status s = link->Call(method, req, resp, options_.request_timeout);
  if (!s.ok() && IsFatalPluginError(s)) {
    ClosePlugin(method + " failed: " + s.ToString());
    return Status::OK();
  }
  *delivered = true;
  return s;
}

void RuntimeStandin::Notify(api::Event e, const std::string& pod_id, const std::string& ctr_id) {
  if (!Subscribed(e)) return;
  api::StateChangeEvent ev;
  ev.set_event(e);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto p = pods_.find(pod_id);
    if (p != pods_.end()) *ev.mutable_pod() = p->second;
    auto c = containers_.find(ctr_id);
    if (c != containers_.end()) *ev.mutable_container() = c->second.ctr;
  }
  const char* dedicated = DedicatedMethod(e);
  Status s;
  bool delivered;
  if (options_.profile.dedicated_event_rpcs && dedicated && !fallback_to_state_change_) {
    // Pod-only and pod+container requests share one layout (pod = 1, container = 2), so one
    // message type carries every dedicated RPC on the wire.
    api::StartContainerRequest req;
    *req.mutable_pod() = ev.pod();
    if (ev.has_container()) *req.mutable_container() = ev.container();
    api::Empty resp;
    s = Hook(dedicated, req, &resp, &delivered);
    if (!IsUnimplemented(s)) {
      if (!s.ok()) LOG(WARNING) << "runtime stand-in: " << dedicated << ": " << s;
      return;
    }
    LOG(WARNING) << "runtime stand-in: plugin does not implement " << dedicated
                 << ", falling back to StateChange (deprecated)";
    fallback_to_state_change_ = true;
  }
  api::Empty resp;
  s = Hook("StateChange", ev, &resp, &delivered);
  if (!s.ok()) LOG(WARNING) << "runtime stand-in: StateChange: " << s;
}

Status RuntimeStandin::SetCpusLocked(Record& r, const std::string& cpus) {
  if (cpus.empty()) return Status::OK();  // empty = no change
  StatusOr<CpuSet> set = CpuSet::Parse(cpus);
  if (!set.ok())
    return Status::InvalidArgument("bad cpuset \"" + cpus + "\": " + set.status().message());
  if (r.has_cgroup) DRACPU_RETURN_IF_ERROR(cgroups_->SetCpus(r.ctr.id(), *set));
  r.ctr.mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(cpus);
  return Status::OK();
}

std::vector<api::ContainerUpdate> RuntimeStandin::ApplyUpdatesLocked(
    const google::protobuf::RepeatedPtrField<api::ContainerUpdate>& updates) {
  std::vector<api::ContainerUpdate> failed;
  for (const api::ContainerUpdate& u : updates) {
    auto it = containers_.find(u.container_id());
    Status s = it == containers_.end()
                   ? Status::NotFound("no container " + u.container_id())
                   : SetCpusLocked(it->second, u.linux().resources().cpu().cpus());
    if (!s.ok()) {
      if (!u.ignore_failure()) failed.push_back(u);
      LOG(WARNING) << "runtime stand-in: update of " << u.container_id() << " failed: " << s;
      continue;
    }
    VLOG(1) << "runtime stand-in: " << u.container_id() << " cpus -> "
            << u.linux().resources().cpu().cpus();
  }
  ++changes_;
  cv_.notify_all();
  return failed;
}

StatusOr<api::UpdateContainersResponse> RuntimeStandin::OnUnsolicitedUpdate(
    const PluginLink& link, const api::UpdateContainersRequest& req) {
  while (!event_mu_.try_lock_for(std::chrono::milliseconds(20))) {
    if (link.closed()) return Status::Unavailable("plugin connection closed");
  }
  std::lock_guard<std::timed_mutex> events(event_mu_, std::adopt_lock);
  api::UpdateContainersResponse resp;
  std::lock_guard<std::mutex> lock(mu_);
  for (api::ContainerUpdate& f : ApplyUpdatesLocked(req.update())) *resp.add_failed() = f;
  for (const api::ContainerEviction& e : req.evict()) {
    evictions_.push_back(e.container_id() + ": " + e.reason());
  }
  unsolicited_updates_++;
  return resp;
}

StatusOr<std::string> RuntimeStandin::RunPod(const PodSpec& spec) {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = "pod-" + std::to_string(next_id_++);
    api::PodSandbox& pod = pods_[id];
    pod.set_id(id);
    pod.set_name(spec.name);
    pod.set_namespace_(spec.ns);
    pod.set_uid(spec.uid);
    pod.mutable_linux()->set_cgroup_parent("/kubepods/pod" + spec.uid);
  }
  Notify(api::RUN_POD_SANDBOX, id, "");
  return id;
}

StatusOr<std::string> RuntimeStandin::CreateContainer(const std::string& pod_id,
                                                      const std::string& name,
                                                      const std::vector<std::string>& env,
                                                      const std::vector<std::string>& cdi) {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  api::CreateContainerRequest req;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto pod = pods_.find(pod_id);
    if (pod == pods_.end()) return Status::NotFound("no pod " + pod_id);
    *req.mutable_pod() = pod->second;
    api::Container& c = *req.mutable_container();
    c.set_id("ctr-" + std::to_string(next_id_++));
    c.set_pod_sandbox_id(pod_id);
    c.set_name(name);
    c.set_state(api::CONTAINER_UNKNOWN);
  }
  std::vector<std::string> full_env = env;
  if (!cdi.empty()) {
    cdi_.Refresh();
    StatusOr<std::vector<std::string>> edits = cdi_.EnvFor(cdi);
    if (!edits.ok()) return edits.status();
    ApplyEnvEdits(*edits, &full_env);
  }
  api::Container& c = *req.mutable_container();
  for (const std::string& e : full_env) c.add_env(e);
  const std::string id = c.id();

  api::CreateContainerResponse resp;
  if (Subscribed(api::CREATE_CONTAINER)) {
    bool delivered;
    Status s = Hook("CreateContainer", req, &resp, &delivered);
    if (!s.ok()) {
      LOG(INFO) << "runtime stand-in: creation of " << name << " in " << pod_id
                << " failed by the plugin: " << s;
      return Status::FailedPrecondition("plugin failed CreateContainer: " + s.message());
    }
    for (const api::ContainerUpdate& u : resp.update()) {
      if (u.container_id() == id) {
        return Status::FailedPrecondition("plugin sent an update for the container it creates");
      }
    }
  }
  // The adjustment: env edits (a "-NAME" key removes) and the cpuset.
  for (const api::KeyValue& kv : resp.adjust().env()) {
    std::vector<std::string> kept;
    const bool remove = !kv.key().empty() && kv.key()[0] == '-';
    const std::string key = remove ? kv.key().substr(1) : kv.key();
    for (const std::string& e : full_env) {
      if (e.compare(0, key.size() + 1, key + "=") != 0) kept.push_back(e);
    }
    if (!remove) kept.push_back(key + "=" + kv.value());
    full_env.swap(kept);
  }
  c.clear_env();
  for (const std::string& e : full_env) c.add_env(e);
  c.set_state(api::CONTAINER_CREATED);
  {
    std::lock_guard<std::mutex> lock(mu_);
    Record& r = containers_[id];
    r.ctr = c;
    if (cgroups_) {
      Status s = cgroups_->Add(id);
      if (!s.ok()) {
        containers_.erase(id);
        return s;
      }
      r.has_cgroup = true;
    }
    Status s = SetCpusLocked(r, resp.adjust().linux().resources().cpu().cpus());
    if (!s.ok()) {
      if (r.has_cgroup) cgroups_->Remove(id);
      containers_.erase(id);
      return s;
    }
    for (const api::ContainerUpdate& f : ApplyUpdatesLocked(resp.update())) {
      LOG(WARNING) << "runtime stand-in: solicited update of " << f.container_id() << " failed";
    }
    for (const api::ContainerEviction& e : resp.evict()) {
      evictions_.push_back(e.container_id() + ": " + e.reason());
    }
    LOG(INFO) << "runtime stand-in: created " << id << " (" << name << " in " << pod_id
              << ") cpus=" << r.ctr.linux().resources().cpu().cpus();
  }
  Notify(api::POST_CREATE_CONTAINER, pod_id, id);
  return id;
}

Status RuntimeStandin::StartContainer(const std::string& id) {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  std::string pod_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("no container " + id);
    if (it->second.ctr.state() != api::CONTAINER_CREATED) {
      return Status::FailedPrecondition("container " + id + " is not in the created state");
    }
    pod_id = it->second.ctr.pod_sandbox_id();
  }
  Notify(api::START_CONTAINER, pod_id, id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    containers_[id].ctr.set_state(api::CONTAINER_RUNNING);
  }
  Notify(api::POST_START_CONTAINER, pod_id, id);
  return Status::OK();
}

Status RuntimeStandin::StopContainer(const std::string& id) {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  api::StopContainerRequest req;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("no container " + id);
    if (it->second.ctr.state() == api::CONTAINER_STOPPED) return Status::OK();
    it->second.ctr.set_state(api::CONTAINER_STOPPED);
    *req.mutable_container() = it->second.ctr;
    *req.mutable_pod() = pods_[it->second.ctr.pod_sandbox_id()];
  }
  api::StopContainerResponse resp;
  if (Subscribed(api::STOP_CONTAINER)) {
    bool delivered;
    Status s = Hook("StopContainer", req, &resp, &delivered);
    if (!s.ok()) LOG(WARNING) << "runtime stand-in: StopContainer: " << s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  ApplyUpdatesLocked(resp.update());
  return Status::OK();
}

Status RuntimeStandin::RemoveContainer(const std::string& id) {
  DRACPU_RETURN_IF_ERROR(StopContainer(id));
  std::lock_guard<std::timed_mutex> events(event_mu_);
  std::string pod_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end()) return Status::NotFound("no container " + id);
    pod_id = it->second.ctr.pod_sandbox_id();
  }
  Notify(api::REMOVE_CONTAINER, pod_id, id);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = containers_.find(id);
  Status s;
  if (it->second.has_cgroup) s = cgroups_->Remove(id);
  containers_.erase(it);
  ++changes_;
  cv_.notify_all();
  return s;
}

Status RuntimeStandin::RemovePod(const std::string& pod_id) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pods_.count(pod_id)) return Status::NotFound("no pod " + pod_id);
    for (const auto& [id, r] : containers_) {
      if (r.ctr.pod_sandbox_id() == pod_id) ids.push_back(id);
    }
  }
  for (const std::string& id : ids) DRACPU_RETURN_IF_ERROR(RemoveContainer(id));
  std::lock_guard<std::timed_mutex> events(event_mu_);
  Notify(api::STOP_POD_SANDBOX, pod_id, "");
  Notify(api::REMOVE_POD_SANDBOX, pod_id, "");
  std::lock_guard<std::mutex> lock(mu_);
  pods_.erase(pod_id);
  return Status::OK();
}

ContainerView RuntimeStandin::View(const Record& r) {
  ContainerView v;
  v.id = r.ctr.id();
  v.pod_id = r.ctr.pod_sandbox_id();
  v.name = r.ctr.name();
  v.state = r.ctr.state();
  v.env.assign(r.ctr.env().begin(), r.ctr.env().end());
  v.cpus = r.ctr.linux().resources().cpu().cpus();
  v.has_cgroup = r.has_cgroup;
  return v;
}

StatusOr<ContainerView> RuntimeStandin::GetContainer(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return Status::NotFound("no container " + id);
  return View(it->second);
}

std::vector<ContainerView> RuntimeStandin::Containers() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ContainerView> out;
  for (const auto& [id, r] : containers_) out.push_back(View(r));
  return out;
}

StatusOr<CpuSet> RuntimeStandin::RealAffinity(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!cgroups_) return Status::FailedPrecondition("containers have no real cgroups");
  return cgroups_->Affinity(id);
}

bool RuntimeStandin::WaitUntil(const std::function<bool()>& pred,
                               std::chrono::milliseconds timeout) const {
  // pred() reads the table through the locking accessors, so it runs unlocked. A change of the
  // table between pred() and the wait is caught by the change counter read before pred(), so
  // it wakes at once (the churn scenario times the shared pool's regrowth with this); other
  // notifications are seen within the 20 ms bound.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    uint64_t seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = changes_;
    }
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return changes_ != seen; });
  }
}

std::vector<std::string> RuntimeStandin::evictions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evictions_;
}

}  // namespace dracpu::standin
