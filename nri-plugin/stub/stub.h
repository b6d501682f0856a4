// The plugin side of NRI (ttrpc-and-nri.md C.1): connects to the runtime's socket, registers
// with a name and index, serves the Plugin service (plugin_service.h) for a PluginHandlers,
// offers UpdateContainers for unsolicited updates, and when the runtime goes away (containerd
// restart) tells the handlers, then reconnects with exponential backoff and synchronizes again.
//
// Threads: Start() launches one session thread that owns the connection; each connection has a
// reader thread and a dispatch thread (handlers). UpdateContainers() may be called from any
// thread except a handler's (its reply would wait behind the handler itself on some runtimes;
// the runtime holds its lock while calling us). Stop() ends everything and joins.

#ifndef DRACPU_NRI_PLUGIN_STUB_STUB_H_
#define DRACPU_NRI_PLUGIN_STUB_STUB_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "nri-plugin/stub/plugin_handlers.h"

namespace dracpu::nri {

struct StubOptions {
  std::string socket_path = "/var/run/nri/nri.sock";
  // An already-connected socket handed over by a runtime that launched the plugin
  // (NRI_PLUGIN_SOCKET; see FromEnvironment). When set, socket_path is not dialled and the stub
  // does not reconnect once this connection ends. The Stub takes ownership.
  int preconnected_fd = -1;
  std::string plugin_name = "dracpu";
  std::string plugin_idx = "00";
  // Deadline of RegisterPlugin (the runtime allows 5 s from connect) and of UpdateContainers.
  std::chrono::milliseconds register_timeout{5000};
  std::chrono::milliseconds update_timeout{2000};
  // Reconnect backoff: doubles from min to max; reset by a successful registration.
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
};

// Applies what a runtime-launched plugin finds in its environment (pkg/api/plugin.go):
// NRI_PLUGIN_SOCKET (decimal fd), NRI_PLUGIN_NAME, NRI_PLUGIN_IDX. Unset variables leave the
// options alone; a malformed fd number is InvalidArgument.
Status ApplyPluginEnvironment(StubOptions* options);

// Checks the runtime's rules (pkg/api/plugin.go): index exactly two digits; name non-empty of
// [a-zA-Z0-9_.+-] (the stricter v0.12 rule, so one name works everywhere).
Status ValidatePluginIdentity(const std::string& name, const std::string& idx);

class Stub {
 public:
  // Subscribes to the events P overrides. REQUIRES: plugin outlives the Stub.
  template <typename P>
  Stub(StubOptions options, P* plugin) : Stub(std::move(options), plugin, SubscribedEvents<P>()) {}
  Stub(StubOptions options, PluginHandlers* handlers, int32_t events);
  ~Stub();  // Stop()
  Stub(const Stub&) = delete;
  Stub& operator=(const Stub&) = delete;

  // Validates the identity and the subscription (an empty mask would mean "all events" to the
  // runtime, including ones this API cannot answer) and starts the session thread.
  // REQUIRES: called once.
  Status Start();
  // Closes the connection, stops reconnecting, joins all threads. Idempotent.
  // REQUIRES: not called from a handler.
  void Stop();

  // Unsolicited updates to existing containers; returns the updates the runtime reports failed.
  // Unavailable when not connected.
  StatusOr<std::vector<api::ContainerUpdate>> UpdateContainers(
      const std::vector<api::ContainerUpdate>& updates,
      const std::vector<api::ContainerEviction>& evictions = {});

  int32_t events() const { return events_; }
  bool registered() const { return registered_.load(); }
  // Registered and the last Synchronize page answered: what /healthz reports.
  bool synchronized() const { return synchronized_.load(); }
  // Connections lost after a successful registration.
  uint64_t disconnects() const { return disconnects_.load(); }

 private:
  struct Session;

  void Run();
  // One connection from connect to close; returns why it ended.
  Status RunSession();
  bool SleepUnlessStopped(std::chrono::milliseconds d);

  const StubOptions options_;
  PluginHandlers* const handlers_;
  const int32_t events_;
  int preconnected_fd_;  // owned until the session thread takes it

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<Session> session_;  // the live connection, if any
  std::thread thread_;

  std::atomic<bool> registered_{false};
  std::atomic<bool> synchronized_{false};
  std::atomic<uint64_t> disconnects_{0};
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_STUB_STUB_H_
