// One plugin connected to the runtime stand-in: the runtime's side of NRI's multiplexed
// connection (ttrpc-and-nri.md B.3, C.1). Serves the Runtime service on conn 2 (RegisterPlugin,
// UpdateContainers) and calls the Plugin service on conn 1 with a deadline, timing every call.
//
// Threads: the mux's reader and the Runtime server's dispatch thread belong to the link;
// UpdateContainers requests reach `on_update` on that dispatch thread. Calls may come from any
// thread. REQUIRES: destroyed neither from on_update nor while a Call() is in progress.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_PLUGIN_LINK_H_
#define DRACPU_E2E_RUNTIME_STANDIN_PLUGIN_LINK_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "common/status.h"
#include "nri-plugin/stub/plugin_service.h"
#include "nri-plugin/transport/mux_connection.h"
#include "proto/nri_api.pb.h"

namespace dracpu::standin {

namespace api = ::nri::pkg::api::v1alpha1;

using nri::kPluginService;
using nri::kRuntimeService;

class PluginLink {
 public:
  // Applies unsolicited updates received on `link`; returns the ones that failed.
  using UpdateFn = std::function<StatusOr<api::UpdateContainersResponse>(
      const PluginLink& link, const api::UpdateContainersRequest&)>;
  // Called with the round-trip time of every plugin call (method name, duration).
  using LatencyFn = std::function<void(const std::string&, std::chrono::nanoseconds)>;

  // Starts serving at once: the plugin may register as soon as it is connected.
  PluginLink(ttrpc::UniqueFd fd, UpdateFn on_update, LatencyFn on_latency);
  ~PluginLink();
  PluginLink(const PluginLink&) = delete;
  PluginLink& operator=(const PluginLink&) = delete;

  // Waits for RegisterPlugin and checks name and index as the runtime does (the stub's
  // ValidatePluginIdentity: index two digits, name of [a-zA-Z0-9_.+-]); a bad identity is
  // refused to the plugin and returned here.
  Status WaitRegistered(std::chrono::milliseconds timeout);
  const std::string& name() const { return name_; }
  const std::string& index() const { return index_; }
  // The connected process (SO_PEERCRED), or -1.
  pid_t peer_pid() const { return peer_pid_; }

  // One Plugin-service call with the request timeout, timed.
  template <typename Req, typename Resp>
  Status Call(const std::string& method, const Req& req, Resp* resp,
              std::chrono::milliseconds timeout) {
    auto start = std::chrono::steady_clock::now();
    Status s = client_->CallTyped(kPluginService, method, req, resp, timeout);
    if (on_latency_) on_latency_(method, std::chrono::steady_clock::now() - start);
    return s;
  }

  void Close() { mux_.Close(); }
  bool closed() const { return mux_.closed(); }
  bool WaitClosed(std::chrono::milliseconds timeout) { return mux_.WaitClosed(timeout); }

 private:
  pid_t peer_pid_;  // before mux_, which takes the fd
  ttrpc::MuxConnection mux_;
  ttrpc::TtrpcClient* client_;
  UpdateFn on_update_;
  LatencyFn on_latency_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool registered_ = false;
  Status identity_;
  std::string name_, index_;
};

// True when a call failed because the plugin does not know the method (UNIMPLEMENTED).
bool IsUnimplemented(const Status& s);
// Errors after which a runtime closes the plugin: timeout or a dead connection
// (adaptation/plugin.go isFatalError).
bool IsFatalPluginError(const Status& s);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_PLUGIN_LINK_H_
