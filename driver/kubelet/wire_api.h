// Type traits naming the generated messages of each kubelet API version, so that code written
// once as a template (the plugin's services, the kubelet stand-in's client) serves v1 and
// v1beta1 of the DRA node service, and v1alpha1 and v1 of the health service.
//   DraApi<drav1::DRAPlugin>::PrepareRequest == drav1::NodePrepareResourcesRequest, ...

#ifndef DRACPU_DRIVER_KUBELET_WIRE_API_H_
#define DRACPU_DRIVER_KUBELET_WIRE_API_H_

#include "proto/kubelet_dra_health_v1.grpc.pb.h"
#include "proto/kubelet_dra_health_v1alpha1.grpc.pb.h"
#include "proto/kubelet_dra_v1.grpc.pb.h"
#include "proto/kubelet_dra_v1beta1.grpc.pb.h"

namespace dracpu::kubelet {

namespace drav1 = ::k8s::io::kubelet::pkg::apis::dra::v1;
namespace drav1beta1 = ::k8s::io::kubelet::pkg::apis::dra::v1beta1;

template <class Plugin>
struct DraApi;

#define DRACPU_DRA_API(NS, NAME)                                  \
  template <>                                                     \
  struct DraApi<NS::DRAPlugin> {                                  \
    using PrepareRequest = NS::NodePrepareResourcesRequest;       \
    using PrepareResponse = NS::NodePrepareResourcesResponse;     \
    using UnprepareRequest = NS::NodeUnprepareResourcesRequest;   \
    using UnprepareResponse = NS::NodeUnprepareResourcesResponse; \
    static constexpr const char* kName = NAME;                    \
  }
DRACPU_DRA_API(drav1, "v1");
DRACPU_DRA_API(drav1beta1, "v1beta1");
#undef DRACPU_DRA_API

template <class Health>
struct HealthApi;

#define DRACPU_HEALTH_API(NS, NAME)                  \
  template <>                                        \
  struct HealthApi<NS::DRAResourceHealth> {          \
    using Request = NS::NodeWatchResourcesRequest;   \
    using Response = NS::NodeWatchResourcesResponse; \
    static constexpr auto kHealthy = NS::HEALTHY;    \
    static constexpr const char* kName = NAME;       \
  }
DRACPU_HEALTH_API(::v1alpha1, "v1alpha1");
DRACPU_HEALTH_API(::v1, "v1");
#undef DRACPU_HEALTH_API

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_WIRE_API_H_
