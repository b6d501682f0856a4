// The gRPC services of the kubelet plugin, each a thin adapter that converts the wire messages
// (dra_convert.h) and delegates: DRA node service v1 and v1beta1 to one ClaimBatch, resource
// health v1alpha1 and v1 to one HealthReporter, registration to fixed PluginInfo values.
// Internal to the kubelet plugin; kubelet_plugin.h is the public face.
//
// Every handler returns grpc::Status::OK with per-claim errors inside the response; nothing
// thrown by the preparer or the device lister leaves a handler. Every handler counts itself in
// the InflightCalls it was given, for the whole call (a health stream for as long as it is
// open).

#ifndef DRACPU_DRIVER_KUBELET_GRPC_SERVICES_H_
#define DRACPU_DRIVER_KUBELET_GRPC_SERVICES_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "driver/kubelet/claim_batch.h"
#include "driver/kubelet/health_reporter.h"
#include "driver/kubelet/inflight_calls.h"

namespace dracpu::kubelet {

// REQUIRES: `batch` and `calls` outlive the service.
std::unique_ptr<grpc::Service> NewDraServiceV1(ClaimBatch* batch, InflightCalls* calls);
std::unique_ptr<grpc::Service> NewDraServiceV1beta1(ClaimBatch* batch, InflightCalls* calls);

// REQUIRES: `reporter` and `calls` outlive the service.
std::unique_ptr<grpc::Service> NewHealthServiceV1alpha1(HealthReporter* reporter,
                                                        InflightCalls* calls);
std::unique_ptr<grpc::Service> NewHealthServiceV1(HealthReporter* reporter, InflightCalls* calls);

struct RegistrationInfo {
  std::string type;  // "DRAPlugin"
  std::string name;  // the driver name
  std::string endpoint;
  std::vector<std::string> supported_versions;
};

// Called with the kubelet's verdict from NotifyRegistrationStatus.
using RegistrationCallback = std::function<void(bool registered, const std::string& error)>;

// REQUIRES: `calls` outlives the service.
std::unique_ptr<grpc::Service> NewRegistrationService(RegistrationInfo info,
                                                      RegistrationCallback on_status,
                                                      InflightCalls* calls);

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_GRPC_SERVICES_H_
