#include "driver/kubelet/grpc_services.h"

#include <glog/logging.h>

#include <ctime>
#include <exception>

#include "driver/kubelet/dra_convert.h"
#include "driver/kubelet/wire_api.h"
#include "proto/kubelet_pluginregistration.grpc.pb.h"

namespace dracpu::kubelet {
namespace {

template <class Plugin>
class DraService final : public Plugin::Service {
  using Api = DraApi<Plugin>;

 public:
  DraService(ClaimBatch* batch, InflightCalls* calls) : batch_(batch), calls_(calls) {}

  grpc::Status NodePrepareResources(grpc::ServerContext*,
                                    const typename Api::PrepareRequest* request,
                                    typename Api::PrepareResponse* response) override {
    InflightCalls::Scope counted(calls_);
    PrepareOutcomesToWire(batch_->PrepareAll(ClaimsFromWire(*request), Api::kName), response);
    return grpc::Status::OK;
  }

  grpc::Status NodeUnprepareResources(grpc::ServerContext*,
                                      const typename Api::UnprepareRequest* request,
                                      typename Api::UnprepareResponse* response) override {
    InflightCalls::Scope counted(calls_);
    UnprepareErrorsToWire(batch_->UnprepareAll(ClaimsFromWire(*request), Api::kName), response);
    return grpc::Status::OK;
  }

 private:
  ClaimBatch* const batch_;
  InflightCalls* const calls_;
};

template <class Health>
class HealthService final : public Health::Service {
  using Api = HealthApi<Health>;

 public:
  HealthService(HealthReporter* reporter, InflightCalls* calls)
      : reporter_(reporter), calls_(calls) {}

  grpc::Status NodeWatchResources(grpc::ServerContext* context, const typename Api::Request*,
                                  grpc::ServerWriter<typename Api::Response>* writer) override {
    InflightCalls::Scope counted(calls_);
    VLOG(1) << "health " << Api::kName << ": stream opened by " << context->peer();
    uint64_t seen = HealthReporter::kNeverSent;
    std::vector<DeviceId> devices;
    auto cancelled = [context] { return context->IsCancelled(); };
    while (reporter_->NextList(&seen, cancelled, &devices)) {
      if (!writer->Write(Snapshot(devices))) break;  // the client went away
    }
    VLOG(1) << "health " << Api::kName << ": stream closed";
    return grpc::Status::OK;
  }

 private:
  typename Api::Response Snapshot(const std::vector<DeviceId>& devices) const {
    typename Api::Response response;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    for (const DeviceId& id : devices) {
      auto* health = response.add_devices();
      health->mutable_device()->set_pool_name(id.pool_name);
      health->mutable_device()->set_device_name(id.device_name);
      health->set_health(Api::kHealthy);
      health->set_last_updated_time(now);
      health->set_health_check_timeout_seconds(reporter_->health_check_timeout_seconds());
    }
    return response;
  }

  HealthReporter* const reporter_;
  InflightCalls* const calls_;
};

class RegistrationService final : public ::pluginregistration::Registration::Service {
 public:
  RegistrationService(RegistrationInfo info, RegistrationCallback on_status, InflightCalls* calls)
      : info_(std::move(info)), on_status_(std::move(on_status)), calls_(calls) {}

  grpc::Status GetInfo(grpc::ServerContext*, const ::pluginregistration::InfoRequest*,
                       ::pluginregistration::PluginInfo* reply) override {
    InflightCalls::Scope counted(calls_);
    reply->set_type(info_.type);
    reply->set_name(info_.name);
    reply->set_endpoint(info_.endpoint);
    for (const std::string& v : info_.supported_versions) reply->add_supported_versions(v);
    VLOG(1) << "registration: GetInfo answered for " << info_.name;
    return grpc::Status::OK;
  }

  grpc::Status NotifyRegistrationStatus(
      grpc::ServerContext*, const ::pluginregistration::RegistrationStatus* status,
      ::pluginregistration::RegistrationStatusResponse*) override {
    InflightCalls::Scope counted(calls_);
    if (status->plugin_registered()) {
      LOG(INFO) << "registration: kubelet registered plugin " << info_.name << " at "
                << info_.endpoint;
    } else {
      LOG(ERROR) << "registration: kubelet refused plugin " << info_.name << ": "
                 << status->error();
    }
    if (on_status_) {
      try {
        on_status_(status->plugin_registered(), status->error());
      } catch (...) {
        LOG(ERROR) << "registration: status callback threw";
      }
    }
    return grpc::Status::OK;
  }

 private:
  const RegistrationInfo info_;
  const RegistrationCallback on_status_;
  InflightCalls* const calls_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDraServiceV1(ClaimBatch* batch, InflightCalls* calls) {
  return std::make_unique<DraService<drav1::DRAPlugin>>(batch, calls);
}

std::unique_ptr<grpc::Service> NewDraServiceV1beta1(ClaimBatch* batch, InflightCalls* calls) {
  return std::make_unique<DraService<drav1beta1::DRAPlugin>>(batch, calls);
}

std::unique_ptr<grpc::Service> NewHealthServiceV1alpha1(HealthReporter* reporter,
                                                        InflightCalls* calls) {
  return std::make_unique<HealthService<::v1alpha1::DRAResourceHealth>>(reporter, calls);
}

std::unique_ptr<grpc::Service> NewHealthServiceV1(HealthReporter* reporter, InflightCalls* calls) {
  return std::make_unique<HealthService<::v1::DRAResourceHealth>>(reporter, calls);
}

std::unique_ptr<grpc::Service> NewRegistrationService(RegistrationInfo info,
                                                      RegistrationCallback on_status,
                                                      InflightCalls* calls) {
  return std::make_unique<RegistrationService>(std::move(info), std::move(on_status), calls);
}

}  // namespace dracpu::kubelet
