// RuntimeStandin: listening, accepting, the handshake, plugin lifetime and latency figures.
// The container events are in container_events.cc.

#include "e2e/runtime_standin/runtime_standin.h"

#include <glog/logging.h>
#include <unistd.h>

#include <algorithm>

#include "e2e/runtime_standin/sync_pages.h"
#include "nri-plugin/transport/unix_socket.h"

namespace dracpu::standin {

using namespace std::chrono_literals;

RuntimeStandin::RuntimeStandin(RuntimeOptions options)
    : options_(std::move(options)), cdi_(options_.cdi_dirs) {}

StatusOr<std::unique_ptr<RuntimeStandin>> RuntimeStandin::Start(RuntimeOptions options) {
  std::unique_ptr<RuntimeStandin> rt(new RuntimeStandin(std::move(options)));
  if (!rt->options_.cgroup_root.empty()) {
    std::string group = "dracpu-standin-" + std::to_string(getpid()) + "-" +
                        std::to_string(reinterpret_cast<uintptr_t>(rt.get()) & 0xffffff);
    StatusOr<std::unique_ptr<CpusetCgroups>> cg =
        CpusetCgroups::Open(rt->options_.cgroup_root, rt->options_.cgroup_layout, group);
    if (!cg.ok()) return cg.status();
    rt->cgroups_ = std::move(*cg);
  }
  DRACPU_RETURN_IF_ERROR(rt->Listen());
  return rt;
}

RuntimeStandin::~RuntimeStandin() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard<std::timed_mutex> events(event_mu_);
    ClosePlugin("runtime stand-in shutting down");
  }
  unlink(options_.socket_path.c_str());
  std::lock_guard<std::mutex> lock(mu_);
  containers_.clear();
  cgroups_.reset();  // kills the sleepers, removes the cgroups
}

Status RuntimeStandin::Listen() {
  StatusOr<ttrpc::UniqueFd> l = ttrpc::ListenUnix(options_.socket_path);
  if (!l.ok()) return l.status();
  listener_ = std::move(*l);
  stopping_ = false;
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return Status::OK();
}

void RuntimeStandin::AcceptLoop() {
  while (!stopping_) {
    StatusOr<ttrpc::UniqueFd> fd = ttrpc::AcceptUnix(listener_.get(), 100ms);
    if (!fd.ok()) {
      if (fd.status().code() != Status::Code::kDeadlineExceeded) {
        LOG(WARNING) << "runtime stand-in: accept: " << fd.status();
        std::this_thread::sleep_for(100ms);
      }
      continue;
    }
    auto link = std::make_shared<PluginLink>(
        std::move(*fd),
        [this](const PluginLink& l, const api::UpdateContainersRequest& r) {
          return OnUnsolicitedUpdate(l, r);
        },
        [this](const std::string& m, std::chrono::nanoseconds d) { RecordLatency(m, d); });
    // One connection at a time, as the runtime does: register, configure, sync, next accept.
    Status s = link->WaitRegistered(options_.registration_timeout);
    if (s.ok()) {
      std::lock_guard<std::timed_mutex> events(event_mu_);
      s = Handshake(link);
    }
    if (!s.ok()) {
      LOG(WARNING) << "runtime stand-in: plugin refused: " << s;
      // The refusal is the RegisterPlugin reply, sent after the handler has told us; give it
      // time to leave (a refused plugin usually hangs up itself) before closing.
      link->WaitClosed(1s);
      link->Close();
    }
  }
}

Status RuntimeStandin::Handshake(const std::shared_ptr<PluginLink>& link) {
  const RuntimeProfile& p = options_.profile;
  api::ConfigureRequest cfg;
  cfg.set_runtime_name(p.runtime_name);
  cfg.set_runtime_version(p.runtime_version);
  if (p.configure_timeouts) {
    cfg.set_registration_timeout(options_.registration_timeout.count());
    cfg.set_request_timeout(options_.request_timeout.count());
  }
  cfg.set_nri_version(p.nri_version);
  api::ConfigureResponse cfg_resp;
  DRACPU_RETURN_IF_ERROR(link->Call("Configure", cfg, &cfg_resp, options_.request_timeout));
  if ((cfg_resp.events() & ~p.valid_events) != 0) {
    return Status::InvalidArgument("invalid plugin events 0x" + [&] {
      char buf[16];
      snprintf(buf, sizeof(buf), "%x", cfg_resp.events());
      return std::string(buf);
    }());
  }

  api::SynchronizeRequest all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, pod] : pods_) *all.add_pods() = pod;
    for (const auto& [id, r] : containers_) *all.add_containers() = r.ctr;
  }
  StatusOr<std::vector<api::SynchronizeRequest>> pages =
      PageSynchronize(all, options_.sync_page_bytes, p.sync_paging);
  if (!pages.ok()) return pages.status();
  api::SynchronizeResponse resp;
  for (size_t i = 0; i < pages->size(); ++i) {
    resp.Clear();
    DRACPU_RETURN_IF_ERROR(link->Call("Synchronize", (*pages)[i], &resp, options_.request_timeout));
    bool last = i + 1 == pages->size();
    if (!last && (!resp.more() || resp.update_size() > 0)) {
      return Status::FailedPrecondition("plugin does not handle split sync requests");
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const api::ContainerUpdate& f : ApplyUpdatesLocked(resp.update())) {
      LOG(WARNING) << "runtime stand-in: sync update for unknown container " << f.container_id();
    }
  }
  ClosePlugin("replaced by a new plugin connection");
  {
    std::lock_guard<std::mutex> lock(mu_);
    plugin_ = link;
    fallback_to_state_change_ = false;
  }
  events_ = cfg_resp.events();
  LOG(INFO) << "runtime stand-in: plugin " << link->index() << "-" << link->name()
            << " synchronized (" << all.pods_size() << " pods, " << all.containers_size()
            << " containers, " << pages->size() << " page(s), " << resp.update_size()
            << " updates)";
  handshakes_++;
  cv_.notify_all();
  return Status::OK();
}

std::shared_ptr<PluginLink> RuntimeStandin::LivePlugin() {
  if (plugin_ && plugin_->closed()) ClosePlugin("connection closed by the plugin");
  return plugin_;
}

void RuntimeStandin::ClosePlugin(const std::string& why) {
  std::shared_ptr<PluginLink> old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old.swap(plugin_);
  }
  if (!old) return;
  LOG(INFO) << "runtime stand-in: closing plugin " << old->index() << "-" << old->name() << ": "
            << why;
  old->Close();
  old->WaitClosed(2s);
  cv_.notify_all();
}

bool RuntimeStandin::plugin_connected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plugin_ && !plugin_->closed();
}

pid_t RuntimeStandin::plugin_pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return plugin_ ? plugin_->peer_pid() : -1;
}

Status RuntimeStandin::WaitForPlugin(std::chrono::milliseconds timeout, uint64_t n) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return handshakes_.load() >= n; })) {
    return Status::DeadlineExceeded("no plugin handshake #" + std::to_string(n) + " within " +
                                    std::to_string(timeout.count()) + " ms");
  }
  return Status::OK();
}

void RuntimeStandin::DropPlugin() {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  ClosePlugin("dropped on request");
}

Status RuntimeStandin::Restart() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  listener_.Reset();
  unlink(options_.socket_path.c_str());
  {
    std::lock_guard<std::timed_mutex> events(event_mu_);
    ClosePlugin("runtime restarting");
  }
  LOG(INFO) << "runtime stand-in: restarting, listening again on " << options_.socket_path;
  return Listen();
}

void RuntimeStandin::RecordLatency(const std::string& method, std::chrono::nanoseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  latencies_ns_[method].push_back(d.count());
}

LatencySummary RuntimeStandin::HookLatency(const std::string& method) const {
  std::vector<int64_t> v;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = latencies_ns_.find(method);
    if (it != latencies_ns_.end()) v = it->second;
  }
  LatencySummary s;
  s.count = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median_us = v[v.size() / 2] / 1e3;
  s.p99_us = v[std::min(v.size() - 1, v.size() * 99 / 100)] / 1e3;
  s.max_us = v.back() / 1e3;
  return s;
}

void RuntimeStandin::ClearLatencies() {
  std::lock_guard<std::mutex> lock(mu_);
  latencies_ns_.clear();
}

StatusOr<std::chrono::nanoseconds> RuntimeStandin::PingPlugin() {
  std::lock_guard<std::timed_mutex> events(event_mu_);
  std::shared_ptr<PluginLink> link = LivePlugin();
  if (!link) return Status::Unavailable("no plugin connected");
  auto start = std::chrono::steady_clock::now();
  api::Empty resp;
  Status s = link->Call("DracpuStandinPing", api::Empty(), &resp, options_.request_timeout);
  auto d = std::chrono::steady_clock::now() - start;
  if (!IsUnimplemented(s)) {
    return s.ok() ? Status::Internal("plugin answered an unknown method") : s;
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d);
}

}  // namespace dracpu::standin
