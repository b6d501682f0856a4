// KubeletPlugin: the driver's face to the kubelet (shared/spec/kubelet-dra.md).
//
//   <plugins_dir>/<driver>/dra.sock          DRA node service v1 and v1beta1 (one ClaimBatch
//                                            behind both), resource health v1alpha1 and v1
//   <registry_dir>/<driver>-reg.sock         pluginregistration.Registration
//
// Start() brings up the DRA socket first, then the registration socket, so the kubelet never
// sees an endpoint that is not ready. Stale sockets are removed before bind; the DRA folder is
// 0700 and both sockets 0600. Stop() (and the destructor) removes the registration socket
// first, which the kubelet takes as deregistration, then stops the DRA server and removes its
// socket. ResourceSlices are left alone: the kubelet wipes them if the driver stays away.
//
// Usage:
//   KubeletPlugin plugin(options, &preparer, [&] { return slices.Devices(); });
//   DRACPU_RETURN_IF_ERROR(plugin.Start());
//   ... wait for SIGTERM ...
//   plugin.Stop();
//
// Thread-safe after Start(); Start and Stop are called from one thread.

#ifndef DRACPU_DRIVER_KUBELET_KUBELET_PLUGIN_H_
#define DRACPU_DRIVER_KUBELET_KUBELET_PLUGIN_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "driver/kubelet/claim_batch.h"
#include "driver/kubelet/claim_preparer.h"
#include "driver/kubelet/health_reporter.h"
#include "driver/kubelet/inflight_calls.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace dracpu::kubelet {

struct KubeletPluginOptions {
  std::string driver_name = "dra.cpu";
  std::string registry_dir = "/var/lib/kubelet/plugins_registry";  // --kubelet-registry-dir
  std::string plugins_dir = "/var/lib/kubelet/plugins";            // --kubelet-plugins-dir
  // How often the health stream resends the full list, and the timeout it asks the kubelet to
  // apply; the timeout is kept well above the period so one late send does not flap devices.
  std::chrono::milliseconds health_period{10000};
  int64_t health_check_timeout_seconds = 60;
};

class KubeletPlugin {
 public:
  // What GetInfo advertises, in order of preference: the kubelet 1.34+ takes the first DRA
  // service it knows (v1), 1.32/1.33 take v1beta1; the health service is used only if listed.
  static std::vector<std::string> SupportedServices();

  // REQUIRES: `preparer` outlives this object; `devices` is thread-safe.
  KubeletPlugin(KubeletPluginOptions options, ClaimPreparer* preparer, DeviceLister devices);
  ~KubeletPlugin();

  KubeletPlugin(const KubeletPlugin&) = delete;
  KubeletPlugin& operator=(const KubeletPlugin&) = delete;

  // Creates folders, removes stale sockets, starts both servers. On error nothing is left
  // running. REQUIRES: called at most once (a stopped plugin is not restarted; make a new one).
  Status Start();

  // Idempotent. Open health streams end; in-flight prepare calls get up to 5 s (in all) to
  // finish; then the kubelet's connections are closed at once, so a kubelet holding them open
  // does not make Stop wait out the grace.
  void Stop();

  // True once the kubelet said NotifyRegistrationStatus{plugin_registered: true} (for
  // /healthz); false again after a refusal.
  bool registered() const { return registered_.load(); }
  std::string last_registration_error() const;

  // Wakes open health streams to resend the device list (call after republishing slices).
  void DevicesChanged() { health_.DevicesChanged(); }

  const std::string& registration_socket() const { return registration_socket_; }
  const std::string& dra_socket() const { return dra_socket_; }

 private:
  void OnRegistrationStatus(bool registered, const std::string& error);
  Status StartServer(const std::string& socket, bool own_parent,
                     const std::vector<grpc::Service*>& services,
                     std::unique_ptr<grpc::Server>* server);

  const KubeletPluginOptions options_;
  const std::string registration_socket_;
  const std::string dra_socket_;
  ClaimBatch batch_;
  HealthReporter health_;
  // Declared before the services and servers, which count in them.
  InflightCalls dra_calls_;
  InflightCalls registration_calls_;
  std::vector<std::unique_ptr<grpc::Service>> dra_services_;
  std::unique_ptr<grpc::Service> registration_service_;
  std::unique_ptr<grpc::Server> dra_server_;
  std::unique_ptr<grpc::Server> registration_server_;

  std::atomic<bool> registered_{false};
  mutable std::mutex mu_;
  std::string registration_error_;
};

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_KUBELET_PLUGIN_H_
