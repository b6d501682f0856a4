#include "e2e/kubelet_standin/kubelet_standin.h"

#include <glog/logging.h>
#include <grpcpp/grpcpp.h>

#include <set>
#include <thread>

#include "driver/kubelet/dra_convert.h"
#include "driver/kubelet/socket_file.h"
#include "driver/kubelet/wire_api.h"
#include "e2e/kubelet_standin/plugin_validation.h"
#include "e2e/kubelet_standin/service_choice.h"
#include "proto/kubelet_pluginregistration.grpc.pb.h"

namespace dracpu::standin {
namespace {

namespace reg = ::pluginregistration;

std::chrono::system_clock::time_point After(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

Status FromGrpc(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  std::string msg = what + ": gRPC " + std::to_string(s.error_code()) + ": " + s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED: return Status::DeadlineExceeded(msg);
    case grpc::StatusCode::UNAVAILABLE: return Status::Unavailable(msg);
    case grpc::StatusCode::UNIMPLEMENTED: return Status::FailedPrecondition(msg);
    default: return Status::Internal(msg);
  }
}

// One call per attempt, each with its own deadline, retried with doubling backoff while the
// call as a whole fails (the kubelet retries these on its next pod sync).
template <class Stub, class Request, class Response>
Status CallWithRetries(const KubeletStandinOptions& options, const std::string& what, Stub* stub,
                       grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                    Response*),
                       const Request& request, Response* response, int* attempts) {
  auto backoff = options.initial_backoff;
  for (*attempts = 1;; ++*attempts) {
    grpc::ClientContext context;
    context.set_deadline(After(options.call_timeout));
    response->Clear();
    grpc::Status s = (stub->*method)(&context, request, response);
    Status status = FromGrpc(s, what);
    if (s.ok() || s.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
        *attempts >= options.max_attempts) {
      return status;
    }
    LOG(WARNING) << what << ": attempt " << *attempts << " failed (" << status << "), retrying";
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

// The kubelet's checks on a response map: nothing for claims it did not ask about, an entry
// for every claim it did.
template <class Map>
Status CheckResponseKeys(const std::vector<ClaimRef>& claims, const Map& response) {
  std::set<std::string> asked;
  for (const ClaimRef& c : claims) asked.insert(c.uid);
  for (const auto& [uid, unused] : response) {
    if (!asked.count(uid)) return Status::Internal("response contains unknown claim UID " + uid);
  }
  if (response.size() < asked.size()) {
    return Status::Internal("skipped " + std::to_string(asked.size() - response.size()) +
                            " ResourceClaims");
  }
  return Status::OK();
}

// Sends `claims` in one batch by `method`, converts the response with `from_wire` and applies
// the kubelet's checks.
template <class Request, class Response, class Stub, class FromWire>
auto CallBatch(const KubeletStandinOptions& options, const std::string& what, Stub* stub,
               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
               const std::vector<ClaimRef>& claims, FromWire from_wire, int* attempts)
    -> StatusOr<decltype(from_wire(std::declval<const Response&>()))> {
  Request request;
  kubelet::ClaimsToWire(claims, &request);
  Response response;
  DRACPU_RETURN_IF_ERROR(
      CallWithRetries(options, what, stub, method, request, &response, attempts));
  auto result = from_wire(response);
  DRACPU_RETURN_IF_ERROR(CheckResponseKeys(claims, result));
  return result;
}

template <class Plugin>
StatusOr<std::map<std::string, ClaimOutcome>> PrepareOver(const KubeletStandinOptions& options,
                                                          const RegisteredPlugin& plugin,
                                                          const std::vector<ClaimRef>& claims,
                                                          int* attempts) {
  using Api = kubelet::DraApi<Plugin>;
  auto stub = Plugin::NewStub(plugin.channel);
  return CallBatch<typename Api::PrepareRequest, typename Api::PrepareResponse>(
      options, "NodePrepareResources", stub.get(), &Plugin::Stub::NodePrepareResources, claims,
      kubelet::PrepareOutcomesFromWire<typename Api::PrepareResponse>, attempts);
}

template <class Plugin>
StatusOr<std::map<std::string, std::string>> UnprepareOver(const KubeletStandinOptions& options,
                                                           const RegisteredPlugin& plugin,
                                                           const std::vector<ClaimRef>& claims,
                                                           int* attempts) {
  using Api = kubelet::DraApi<Plugin>;
  auto stub = Plugin::NewStub(plugin.channel);
  return CallBatch<typename Api::UnprepareRequest, typename Api::UnprepareResponse>(
      options, "NodeUnprepareResources", stub.get(), &Plugin::Stub::NodeUnprepareResources, claims,
      kubelet::UnprepareErrorsFromWire<typename Api::UnprepareResponse>, attempts);
}

template <class Health>
StatusOr<std::vector<std::vector<HealthEntry>>> WatchOver(const RegisteredPlugin& plugin,
                                                          int messages,
                                                          std::chrono::milliseconds timeout) {
  using Request = typename kubelet::HealthApi<Health>::Request;
  using Response = typename kubelet::HealthApi<Health>::Response;
  auto stub = Health::NewStub(plugin.channel);
  grpc::ClientContext context;
  context.set_deadline(After(timeout));
  std::unique_ptr<grpc::ClientReader<Response>> reader =
      stub->NodeWatchResources(&context, Request());
  std::vector<std::vector<HealthEntry>> lists;
  Response response;
  while (static_cast<int>(lists.size()) < messages && reader->Read(&response)) {
    std::vector<HealthEntry>& list = lists.emplace_back();
    for (const auto& d : response.devices()) {
      list.push_back(HealthEntry{DeviceId{d.device().pool_name(), d.device().device_name()},
                                 static_cast<int>(d.health()), d.last_updated_time(),
                                 d.health_check_timeout_seconds()});
    }
  }
  const bool complete = static_cast<int>(lists.size()) == messages;
  if (complete) context.TryCancel();  // we have what we came for
  grpc::Status finished = reader->Finish();
  if (complete) return lists;
  DRACPU_RETURN_IF_ERROR(FromGrpc(finished, "NodeWatchResources"));
  return Status::Internal("NodeWatchResources ended after " + std::to_string(lists.size()) +
                          " of " + std::to_string(messages) + " messages");
}

}  // namespace

Status KubeletStandin::CheckPluginInfo(const ::pluginregistration::PluginInfo& info,
                                       const std::string& endpoint,
                                       const std::string& registration_socket) const {
  if (info.type() != "DRAPlugin") {
    return Status::InvalidArgument("plugin type \"" + info.type() + "\" is not DRAPlugin");
  }
  DRACPU_RETURN_IF_ERROR(ValidateDriverName(info.name()));
  std::string root = options_.root_dir;
  if (root.empty()) root = CleanPath(registration_socket + "/../..");
  return ValidateEndpoint(endpoint, root);
}

StatusOr<RegisteredPlugin> KubeletStandin::Register(const std::string& registration_socket) {
  RegisteredPlugin plugin;
  plugin.registration_socket = registration_socket;
  auto reg_channel = grpc::CreateChannel(kubelet::UnixAddress(registration_socket),
                                         grpc::InsecureChannelCredentials());
  auto stub = reg::Registration::NewStub(reg_channel);
  reg::PluginInfo info;
  {
    grpc::ClientContext context;
    context.set_deadline(After(options_.get_info_timeout));
    context.set_wait_for_ready(true);  // the socket may exist a moment before accept()
    DRACPU_RETURN_IF_ERROR(FromGrpc(stub->GetInfo(&context, reg::InfoRequest(), &info),
                                    "GetInfo on " + registration_socket));
  }
  plugin.name = info.name();
  plugin.endpoint = info.endpoint().empty() ? registration_socket : info.endpoint();
  plugin.supported_versions.assign(info.supported_versions().begin(),
                                   info.supported_versions().end());

  Status verdict = CheckPluginInfo(info, plugin.endpoint, registration_socket);
  if (verdict.ok()) {
    StatusOr<std::string> api = ChooseDraApi(options_.kubelet_minor, plugin.supported_versions);
    if (api.ok()) {
      plugin.api = *api;
      plugin.health_service =
          ChooseHealthService(options_.kubelet_minor, plugin.supported_versions);
      plugin.channel = grpc::CreateChannel(kubelet::UnixAddress(plugin.endpoint),
                                           grpc::InsecureChannelCredentials());
    } else {
      verdict = api.status();
    }
  }

  reg::RegistrationStatus status;
  status.set_plugin_registered(verdict.ok());
  if (!verdict.ok()) status.set_error(verdict.message());
  reg::RegistrationStatusResponse unused;
  grpc::ClientContext context;
  context.set_deadline(After(options_.get_info_timeout));
  Status notified = FromGrpc(stub->NotifyRegistrationStatus(&context, status, &unused),
                             "NotifyRegistrationStatus");
  if (!verdict.ok()) return verdict.Annotate("registering " + registration_socket);
  DRACPU_RETURN_IF_ERROR(notified);
  LOG(INFO) << "standin: registered " << plugin.name << " endpoint " << plugin.endpoint << " api "
            << plugin.api << " health "
            << (plugin.health_service.empty() ? "none" : plugin.health_service);
  return plugin;
}

StatusOr<std::map<std::string, ClaimOutcome>> KubeletStandin::Prepare(
    const RegisteredPlugin& plugin, const std::vector<ClaimRef>& claims, const std::string& api) {
  const std::string& chosen = api.empty() ? plugin.api : api;
  last_attempts_ = 0;
  if (!plugin.channel) return Status::FailedPrecondition("plugin is not registered");
  if (chosen == "v1")
    return PrepareOver<kubelet::drav1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  if (chosen == "v1beta1") {
    return PrepareOver<kubelet::drav1beta1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  return Status::InvalidArgument("unknown DRA API version \"" + chosen + "\"");
}

StatusOr<std::map<std::string, std::string>> KubeletStandin::Unprepare(
    const RegisteredPlugin& plugin, const std::vector<ClaimRef>& claims, const std::string& api) {
  const std::string& chosen = api.empty() ? plugin.api : api;
  last_attempts_ = 0;
  if (!plugin.channel) return Status::FailedPrecondition("plugin is not registered");
  if (chosen == "v1") {
    return UnprepareOver<kubelet::drav1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  if (chosen == "v1beta1") {
    return UnprepareOver<kubelet::drav1beta1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  return Status::InvalidArgument("unknown DRA API version \"" + chosen + "\"");
}

StatusOr<std::vector<std::vector<HealthEntry>>> KubeletStandin::WatchHealth(
    const RegisteredPlugin& plugin, int messages, std::chrono::milliseconds timeout,
    const std::string& service) {
  const std::string& chosen = service.empty() ? plugin.health_service : service;
  if (!plugin.channel) return Status::FailedPrecondition("plugin is not registered");
  if (chosen == "v1alpha1.DRAResourceHealth") {
    return WatchOver<::v1alpha1::DRAResourceHealth>(plugin, messages, timeout);
  }
  if (chosen == "v1.DRAResourceHealth") {
    return WatchOver<::v1::DRAResourceHealth>(plugin, messages, timeout);
  }
  return Status::FailedPrecondition("no health service \"" + chosen + "\" to watch");
}

}  // namespace dracpu::standin
