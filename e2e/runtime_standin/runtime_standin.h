// RuntimeStandin: the container runtime's side of NRI for tests, benchmarks and the e2e rig
// (design.md §6, ttrpc-and-nri.md B-F). It listens on the NRI socket, accepts a plugin, runs
// the handshake (RegisterPlugin on conn 2; Configure, then Synchronize paged as the emulated NRI
// version does), keeps a table of pods and containers and calls the plugin's hooks with the
// request timeout (2 s), as containerd would:
//   - container env = the container's own env, then the env edits of the CDI spec files for
//     the requested device ids (cdi_env.h: a CDI value replaces an existing NAME);
//   - CreateContainer: the adjustment's cpuset (and env edits) applies to the new container,
//     its updates to the others (an update naming the new container fails the creation), a
//     plugin error fails the creation with the plugin's message;
//   - Stop/Update responses' updates and unsolicited UpdateContainers are applied;
//   - a timeout or a dead connection closes the plugin (the event then proceeds without it);
//   - NRI v0.6 sends pod events and RemoveContainer as StateChange; v0.12 uses dedicated RPCs
//     and falls back to StateChange when the plugin answers UNIMPLEMENTED.
// One plugin at a time: a new connection replaces the previous plugin.
//
// Where a cpuset cgroup hierarchy is writable (options.cgroup_root), every container is also a
// real cgroup with a sleeping process whose affinity follows the recorded cpuset; elsewhere the
// cpusets are only recorded. Everything is cleaned up on destruction.
//
// Thread-safe: events are serialized (as the runtime's global lock does) and may be called from
// any thread. Not to be called from a plugin callback.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_STANDIN_H_
#define DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_STANDIN_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"
#include "e2e/runtime_standin/cdi_env.h"
#include "e2e/runtime_standin/cpuset_cgroups.h"
#include "e2e/runtime_standin/plugin_link.h"
#include "e2e/runtime_standin/runtime_profile.h"

namespace dracpu::standin {

struct RuntimeOptions {
  std::string socket_path;            // the NRI socket to listen on (created 0600)
  std::vector<std::string> cdi_dirs;  // lowest priority first
  RuntimeProfile profile = ProfileNri012();
  std::chrono::milliseconds registration_timeout{5000};
  std::chrono::milliseconds request_timeout{2000};
  size_t sync_page_bytes = 4u << 20;  // a Synchronize page's budget
  // Real cgroups: "" = record only. The group folder is unique per stand-in.
  std::string cgroup_root;
  CgroupLayout cgroup_layout = CgroupLayout::kV1;
};

struct PodSpec {
  std::string name;
  std::string ns = "default";
  std::string uid;
};

// A container as the stand-in sees it.
struct ContainerView {
  std::string id, pod_id, name;
  api::ContainerState state = api::CONTAINER_UNKNOWN;
  std::vector<std::string> env;
  std::string cpus;  // the recorded cpuset.cpus; "" = never restricted
  bool has_cgroup = false;
};

// Hook round trips of one method, in microseconds.
struct LatencySummary {
  size_t count = 0;
  double median_us = 0, p99_us = 0, max_us = 0;
};

class RuntimeStandin {
 public:
  // Listens and starts accepting plugins. With a cgroup_root that is not usable, fails with
  // FailedPrecondition (the caller may retry without cgroups).
  static StatusOr<std::unique_ptr<RuntimeStandin>> Start(RuntimeOptions options);
  ~RuntimeStandin();
  RuntimeStandin(const RuntimeStandin&) = delete;
  RuntimeStandin& operator=(const RuntimeStandin&) = delete;

  // Waits until `n` plugin connections in total have completed the handshake.
  Status WaitForPlugin(std::chrono::milliseconds timeout, uint64_t n = 1);
  uint64_t handshakes() const { return handshakes_.load(); }
  bool plugin_connected() const;
  pid_t plugin_pid() const;
  // Event mask the plugin subscribed to (as answered; 0 = all).
  int32_t plugin_events() const { return events_.load(); }

  StatusOr<std::string> RunPod(const PodSpec& pod);
  // Creates a container in pod `pod_id`; returns its id. The env is `env` plus the CDI edits of
  // `cdi_devices` (fully-qualified ids).
  StatusOr<std::string> CreateContainer(const std::string& pod_id, const std::string& name,
                                        const std::vector<std::string>& env,
                                        const std::vector<std::string>& cdi_devices = {});
  Status StartContainer(const std::string& id);
  Status StopContainer(const std::string& id);
  // Stops a running container first.
  Status RemoveContainer(const std::string& id);
  // Stops and removes the pod's containers, then the pod.
  Status RemovePod(const std::string& pod_id);

  StatusOr<ContainerView> GetContainer(const std::string& id) const;
  std::vector<ContainerView> Containers() const;
  // The kernel's affinity of the container's process; FailedPrecondition without cgroups.
  StatusOr<CpuSet> RealAffinity(const std::string& id) const;
  bool cgroups_enabled() const { return cgroups_ != nullptr; }
  // Waits until pred() holds over the table, re-checked after every change.
  bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout) const;
  // Evictions the plugin asked for, "container: reason".
  std::vector<std::string> evictions() const;
  uint64_t unsolicited_updates() const { return unsolicited_updates_.load(); }

  // Plugin restart from the runtime's side: drops the connection; the plugin reconnects.
  void DropPlugin();
  // Runtime restart: closes the connection and the socket, listens again and accepts.
  Status Restart();

  // Round trips of the plugin's hooks per method name ("CreateContainer", ...).
  LatencySummary HookLatency(const std::string& method) const;
  void ClearLatencies();
  // One round trip of a method the plugin does not implement: the transport's cost alone.
  StatusOr<std::chrono::nanoseconds> PingPlugin();

 private:
  struct Record {
    api::Container ctr;
    bool has_cgroup = false;
  };

  explicit RuntimeStandin(RuntimeOptions options);
  Status Listen();
  void AcceptLoop();
  Status Handshake(const std::shared_ptr<PluginLink>& link);
  // The live plugin, or null; drops a closed one. REQUIRES: event_mu_ held.
  std::shared_ptr<PluginLink> LivePlugin();
  void ClosePlugin(const std::string& why);
  bool Subscribed(api::Event e) const;
  // Calls a hook of the live plugin. Without one, or after a fatal error (which closes the
  // plugin), returns OK with *delivered false: the event proceeds as if no plugin were there.
  template <typename Req, typename Resp>
  Status Hook(const std::string& method, const Req& req, Resp* resp, bool* delivered);
  // A state-change style event, dedicated RPC or StateChange per profile.
  void Notify(api::Event e, const std::string& pod_id, const std::string& ctr_id);
  // Applies updates; unknown containers are returned as failed. REQUIRES: mu_ held.
  std::vector<api::ContainerUpdate> ApplyUpdatesLocked(
      const google::protobuf::RepeatedPtrField<api::ContainerUpdate>& updates);
  Status SetCpusLocked(Record& r, const std::string& cpus);
  // Applied under the event lock, as the runtime's updateContainers takes its global lock: an
  // update the plugin computed before an event is applied after that event, never in its
  // middle. Gives up (Unavailable) when the link closes while waiting.
  StatusOr<api::UpdateContainersResponse> OnUnsolicitedUpdate(
      const PluginLink& link, const api::UpdateContainersRequest& req);
  void RecordLatency(const std::string& method, std::chrono::nanoseconds d);
  static ContainerView View(const Record& r);

  RuntimeOptions options_;
  std::unique_ptr<CpusetCgroups> cgroups_;  // guarded by mu_

  // Serializes events, handshakes and unsolicited updates, as the runtime's lock does. Timed so
  // that an update waiting for it can notice its connection closing.
  std::timed_mutex event_mu_;
  std::shared_ptr<PluginLink> plugin_;     // guarded by event_mu_ and mu_ (either to read)
  bool fallback_to_state_change_ = false;  // plugin answered UNIMPLEMENTED to a v0.12 RPC
  CdiCache cdi_;                           // guarded by event_mu_

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, api::PodSandbox> pods_;
  std::map<std::string, Record> containers_;
  std::vector<std::string> evictions_;
  uint64_t next_id_ = 1;
  uint64_t changes_ = 0;  // container updates and removals so far, for WaitUntil
  std::map<std::string, std::vector<int64_t>> latencies_ns_;

  std::atomic<uint64_t> handshakes_{0};
  std::atomic<int32_t> events_{0};
  std::atomic<uint64_t> unsolicited_updates_{0};

  ttrpc::UniqueFd listener_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_STANDIN_H_
