// KubeletStandin: the kubelet's side of the DRA plugin protocol, for tests and `make demo`
// (design.md §6). It registers a plugin as the kubelet's plugin watcher does (GetInfo with a
// 1 s deadline, the checks of plugin_validation.h and service_choice.h,
// NotifyRegistrationStatus), then calls NodePrepareResources /
// NodeUnprepareResources the way the kubelet's DRA manager does: one batch per call, a 45 s
// deadline per attempt, retries with backoff when the call as a whole fails, and the same
// response checks (an entry for every claim, none for unknown claims). It can read the
// resource health stream.
//
// Not thread-safe; one stand-in per test thread.

#ifndef DRACPU_E2E_KUBELET_STANDIN_KUBELET_STANDIN_H_
#define DRACPU_E2E_KUBELET_STANDIN_KUBELET_STANDIN_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "driver/kubelet/claim_preparer.h"

namespace grpc {
class Channel;
}
namespace pluginregistration {
class PluginInfo;
}

namespace dracpu::standin {

using kubelet::ClaimOutcome;
using kubelet::ClaimRef;
using kubelet::DeviceId;

struct KubeletStandinOptions {
  int kubelet_minor = 34;  // the Kubernetes 1.x release to behave like
  // The kubelet's --root-dir: plugin endpoints must lie inside it. "" = the parent of the
  // folder holding the registration socket (plugins_registry sits in the root folder).
  std::string root_dir = {};
  std::chrono::milliseconds get_info_timeout{1000};
  std::chrono::milliseconds call_timeout{45000};   // per attempt, as the kubelet's client
  int max_attempts = 3;                            // for call-wide failures
  std::chrono::milliseconds initial_backoff{100};  // doubles per attempt
};

struct RegisteredPlugin {
  std::string registration_socket;
  std::string name;
  std::string endpoint;
  std::vector<std::string> supported_versions;
  std::string api;             // "v1" or "v1beta1": the DRA service the kubelet chose
  std::string health_service;  // "" when the kubelet would not open the stream
  std::shared_ptr<grpc::Channel> channel;
};

// One NodeWatchResources message, flattened.
struct HealthEntry {
  DeviceId device;
  int health = 0;  // 0 Unknown, 1 Healthy, 2 Unhealthy
  int64_t last_updated_time = 0;
  int64_t health_check_timeout_seconds = 0;
};

class KubeletStandin {
 public:
  explicit KubeletStandin(KubeletStandinOptions options = {}) : options_(options) {}

  // Registers the plugin behind `registration_socket`. On a failed check the plugin is told
  // (NotifyRegistrationStatus{false, error}) and the error is returned.
  StatusOr<RegisteredPlugin> Register(const std::string& registration_socket);

  // Calls NodePrepareResources with all `claims` in one batch over `api` ("" = the registered
  // choice). Per-claim errors are in the outcomes; a non-OK Status means the call failed after
  // all attempts or the response broke the protocol.
  StatusOr<std::map<std::string, ClaimOutcome>> Prepare(const RegisteredPlugin& plugin,
                                                        const std::vector<ClaimRef>& claims,
                                                        const std::string& api = "");

  // Error message per claim UID ("" = unprepared).
  StatusOr<std::map<std::string, std::string>> Unprepare(const RegisteredPlugin& plugin,
                                                         const std::vector<ClaimRef>& claims,
                                                         const std::string& api = "");

  // Opens NodeWatchResources over `service` ("" = the registered choice; must be one of
  // "v1alpha1.DRAResourceHealth", "v1.DRAResourceHealth") and returns the first `messages`
  // device lists, or fails when they do not arrive within `timeout`.
  StatusOr<std::vector<std::vector<HealthEntry>>> WatchHealth(const RegisteredPlugin& plugin,
                                                              int messages,
                                                              std::chrono::milliseconds timeout,
                                                              const std::string& service = "");

  // Attempts made by the last Prepare/Unprepare (for retry tests).
  int last_attempts() const { return last_attempts_; }

 private:
  Status CheckPluginInfo(const ::pluginregistration::PluginInfo& info, const std::string& endpoint,
                         const std::string& registration_socket) const;

  const KubeletStandinOptions options_;
  int last_attempts_ = 0;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_KUBELET_STANDIN_KUBELET_STANDIN_H_
