#include "driver/kubelet/kubelet_plugin.h"

#include <glog/logging.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include "driver/kubelet/grpc_services.h"
#include "driver/kubelet/socket_file.h"

namespace dracpu::kubelet {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);
// A handler counts as finished when it returns, before gRPC has sent its response; a shutdown at
// "now" then cancels an answer that is already computed (seen in CI: a prepare done, its reply
// lost). This short window lets those replies go out; it is all Stop pays for an open connection.
constexpr auto kReplyFlush = std::chrono::milliseconds(200);

// Lets the running handlers finish (until `deadline`), then shuts `server` down after the reply
// flush: see inflight_calls.h for why not Shutdown(deadline). A call the kubelet starts in
// between is cancelled, as one arriving after the shutdown would be refused; the kubelet retries.
void ShutDownServer(std::unique_ptr<grpc::Server>* server, InflightCalls* calls,
                    std::chrono::steady_clock::time_point deadline, const char* what) {
  if (!calls->WaitIdle(deadline)) {
    LOG(WARNING) << what << ": " << calls->running()
                 << " kubelet calls still running after the shutdown grace; cancelling them";
  }
  (*server)->Shutdown(std::chrono::system_clock::now() + kReplyFlush);
  (*server)->Wait();
  server->reset();
}

}  // namespace

std::vector<std::string> KubeletPlugin::SupportedServices() {
  return {"v1.DRAPlugin", "v1beta1.DRAPlugin", "v1alpha1.DRAResourceHealth",
          "v1.DRAResourceHealth"};
}

KubeletPlugin::KubeletPlugin(KubeletPluginOptions options, ClaimPreparer* preparer,
                             DeviceLister devices)
    : options_(std::move(options)),
      registration_socket_(options_.registry_dir + "/" + options_.driver_name + "-reg.sock"),
      dra_socket_(options_.plugins_dir + "/" + options_.driver_name + "/dra.sock"),
      batch_(preparer),
      health_(std::move(devices), options_.health_period, options_.health_check_timeout_seconds) {}

KubeletPlugin::~KubeletPlugin() { Stop(); }

Status KubeletPlugin::StartServer(const std::string& socket, bool own_parent,
                                  const std::vector<grpc::Service*>& services,
                                  std::unique_ptr<grpc::Server>* server) {
  DRACPU_RETURN_IF_ERROR(PrepareSocketPath(socket, own_parent));
  grpc::ServerBuilder builder;
  builder.AddListeningPort(UnixAddress(socket), grpc::InsecureServerCredentials());
  for (grpc::Service* s : services) builder.RegisterService(s);
  *server = builder.BuildAndStart();
  if (!*server) return Status::Unavailable("cannot listen on " + socket);
  Status restricted = RestrictSocket(socket);
  if (!restricted.ok()) {
    (*server)->Shutdown();
    server->reset();
    RemoveSocket(socket);
  }
  return restricted;
}

Status KubeletPlugin::Start() {
  if (dra_server_ || registration_server_) return Status::FailedPrecondition("already started");
  dra_services_.clear();
  dra_services_.push_back(NewDraServiceV1(&batch_, &dra_calls_));
  dra_services_.push_back(NewDraServiceV1beta1(&batch_, &dra_calls_));
  dra_services_.push_back(NewHealthServiceV1alpha1(&health_, &dra_calls_));
  dra_services_.push_back(NewHealthServiceV1(&health_, &dra_calls_));
  std::vector<grpc::Service*> dra;
  for (auto& s : dra_services_) dra.push_back(s.get());
  Status status = StartServer(dra_socket_, /*own_parent=*/true, dra, &dra_server_);
  if (!status.ok()) return status.Annotate("DRA service");

  registration_service_ = NewRegistrationService(
      RegistrationInfo{"DRAPlugin", options_.driver_name, dra_socket_, SupportedServices()},
      [this](bool ok, const std::string& error) { OnRegistrationStatus(ok, error); },
      &registration_calls_);
  // plugins_registry belongs to the kubelet (and other plugins): never chmod it.
  status = StartServer(registration_socket_, /*own_parent=*/false, {registration_service_.get()},
                       &registration_server_);
  if (!status.ok()) {
    Stop();
    return status.Annotate("registration service");
  }
  LOG(INFO) << "kubelet plugin " << options_.driver_name << ": DRA service on " << dra_socket_
            << ", registration on " << registration_socket_;
  return Status::OK();
}

void KubeletPlugin::Stop() {
  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  if (registration_server_) {
    // Removing the socket first is the deregistration the kubelet watches for.
    RemoveSocket(registration_socket_);
    ShutDownServer(&registration_server_, &registration_calls_, deadline, "registration");
    registered_ = false;
  }
  if (dra_server_) {
    health_.Stop();  // open health streams return now: only prepare calls are waited for
    RemoveSocket(dra_socket_);
    ShutDownServer(&dra_server_, &dra_calls_, deadline, "DRA service");
    LOG(INFO) << "kubelet plugin " << options_.driver_name << ": stopped";
  }
}

std::string KubeletPlugin::last_registration_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return registration_error_;
}

void KubeletPlugin::OnRegistrationStatus(bool registered, const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  registered_ = registered;
  registration_error_ = registered ? "" : error;
}

}  // namespace dracpu::kubelet
