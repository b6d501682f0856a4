#include "e2e/kubelet_standin/kubelet_standin.h"

#include <glog/logging.h>
#include <grpcpp/grpcpp.h>

#include <set>
#include <thread>

#include "driver/kubelet/dra_convert.h"
#include "driver/kubelet/socket_file.h"
#include "e2e/kubelet_standin/service_choice.h"
#include "proto/kubelet_dra_health_v1.grpc.pb.h"
#include "proto/kubelet_dra_health_v1alpha1.grpc.pb.h"
#include "proto/kubelet_dra_v1.grpc.pb.h"
#include "proto/kubelet_dra_v1beta1.grpc.pb.h"
#include "proto/kubelet_pluginregistration.grpc.pb.h"

namespace dracpu::standin {
namespace {

namespace drav1 = ::k8s::io::kubelet::pkg::apis::dra::v1;
namespace drav1beta1 = ::k8s::io::kubelet::pkg::apis::dra::v1beta1;
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

// One call attempt per `attempt(context)`, each with its own deadline, retried with doubling
// backoff while the call as a whole fails (the kubelet retries these on its next pod sync).
template <class Attempt>
Status WithRetries(const StandinOptions& options, const std::string& what, Attempt attempt,
                   int* attempts) {
  auto backoff = options.initial_backoff;
  Status last;
  for (*attempts = 1;; ++*attempts) {
    grpc::ClientContext context;
    context.set_deadline(After(options.call_timeout));
    grpc::Status s = attempt(&context);
    last = FromGrpc(s, what);
    if (s.ok() || s.error_code() == grpc::StatusCode::UNIMPLEMENTED ||
        *attempts >= options.max_attempts) {
      return last;
    }
    LOG(WARNING) << what << ": attempt " << *attempts << " failed (" << last << "), retrying";
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

template <class Ns>
struct DraApi;
#define DRACPU_STANDIN_DRA_API(NS)                                \
  template <>                                                     \
  struct DraApi<NS::DRAPlugin> {                                  \
    using PrepareRequest = NS::NodePrepareResourcesRequest;       \
    using PrepareResponse = NS::NodePrepareResourcesResponse;     \
    using UnprepareRequest = NS::NodeUnprepareResourcesRequest;   \
    using UnprepareResponse = NS::NodeUnprepareResourcesResponse; \
  }
DRACPU_STANDIN_DRA_API(drav1);
DRACPU_STANDIN_DRA_API(drav1beta1);
#undef DRACPU_STANDIN_DRA_API

template <class Plugin>
StatusOr<std::map<std::string, ClaimOutcome>> PrepareOver(const StandinOptions& options,
                                                          const RegisteredPlugin& plugin,
                                                          const std::vector<ClaimRef>& claims,
                                                          int* attempts) {
  using Api = DraApi<Plugin>;
  auto stub = Plugin::NewStub(plugin.channel);
  typename Api::PrepareRequest request;
  kubelet::ClaimsToWire(claims, &request);
  typename Api::PrepareResponse response;
  DRACPU_RETURN_IF_ERROR(WithRetries(
      options, "NodePrepareResources",
      [&](grpc::ClientContext* ctx) {
        response.Clear();
        return stub->NodePrepareResources(ctx, request, &response);
      },
      attempts));
  auto outcomes = kubelet::PrepareOutcomesFromWire(response);
  DRACPU_RETURN_IF_ERROR(CheckResponseKeys(claims, outcomes));
  return outcomes;
}

template <class Plugin>
StatusOr<std::map<std::string, std::string>> UnprepareOver(const StandinOptions& options,
                                                           const RegisteredPlugin& plugin,
                                                           const std::vector<ClaimRef>& claims,
                                                           int* attempts) {
  using Api = DraApi<Plugin>;
  auto stub = Plugin::NewStub(plugin.channel);
  typename Api::UnprepareRequest request;
  kubelet::ClaimsToWire(claims, &request);
  typename Api::UnprepareResponse response;
  DRACPU_RETURN_IF_ERROR(WithRetries(
      options, "NodeUnprepareResources",
      [&](grpc::ClientContext* ctx) {
        response.Clear();
        return stub->NodeUnprepareResources(ctx, request, &response);
      },
      attempts));
  auto errors = kubelet::UnprepareErrorsFromWire(response);
  DRACPU_RETURN_IF_ERROR(CheckResponseKeys(claims, errors));
  return errors;
}

template <class Health, class Request, class Response>
StatusOr<std::vector<std::vector<HealthEntry>>> WatchOver(const RegisteredPlugin& plugin,
                                                          int messages,
                                                          std::chrono::milliseconds timeout) {
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

  Status verdict;
  if (info.type() != "DRAPlugin") {
    verdict = Status::InvalidArgument("plugin type \"" + info.type() + "\" is not DRAPlugin");
  } else if (plugin.name.empty()) {
    verdict = Status::InvalidArgument("plugin has no name");
  } else {
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
    return PrepareOver<drav1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  if (chosen == "v1beta1") {
    return PrepareOver<drav1beta1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  return Status::InvalidArgument("unknown DRA API version \"" + chosen + "\"");
}

StatusOr<std::map<std::string, std::string>> KubeletStandin::Unprepare(
    const RegisteredPlugin& plugin, const std::vector<ClaimRef>& claims, const std::string& api) {
  const std::string& chosen = api.empty() ? plugin.api : api;
  last_attempts_ = 0;
  if (!plugin.channel) return Status::FailedPrecondition("plugin is not registered");
  if (chosen == "v1") {
    return UnprepareOver<drav1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  if (chosen == "v1beta1") {
    return UnprepareOver<drav1beta1::DRAPlugin>(options_, plugin, claims, &last_attempts_);
  }
  return Status::InvalidArgument("unknown DRA API version \"" + chosen + "\"");
}

StatusOr<std::vector<std::vector<HealthEntry>>> KubeletStandin::WatchHealth(
    const RegisteredPlugin& plugin, int messages, std::chrono::milliseconds timeout,
    const std::string& service) {
  const std::string& chosen = service.empty() ? plugin.health_service : service;
  if (!plugin.channel) return Status::FailedPrecondition("plugin is not registered");
  if (chosen == "v1alpha1.DRAResourceHealth") {
    return WatchOver<::v1alpha1::DRAResourceHealth, ::v1alpha1::NodeWatchResourcesRequest,
                     ::v1alpha1::NodeWatchResourcesResponse>(plugin, messages, timeout);
  }
  if (chosen == "v1.DRAResourceHealth") {
    return WatchOver<::v1::DRAResourceHealth, ::v1::NodeWatchResourcesRequest,
                     ::v1::NodeWatchResourcesResponse>(plugin, messages, timeout);
  }
  return Status::FailedPrecondition("no health service \"" + chosen + "\" to watch");
}

}  // namespace dracpu::standin
