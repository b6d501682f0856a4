// Conversion between the version-neutral values of claim_preparer.h and the DRA node messages
// of any API version (v1, v1beta1). The two versions generate the same C++ accessors, so one
// template per message serves both; the only difference, v1 Device.share_id, is detected at
// compile time. Used by the plugin's services and by the kubelet stand-in.

#ifndef DRACPU_DRIVER_KUBELET_DRA_CONVERT_H_
#define DRACPU_DRIVER_KUBELET_DRA_CONVERT_H_

#include <map>
#include <string>
#include <vector>

#include "driver/kubelet/claim_preparer.h"

namespace dracpu::kubelet {

template <class DeviceMsg>
constexpr bool kHasShareId = requires(DeviceMsg d) {
  d.set_share_id(std::string());
};

template <class ClaimMsg>
ClaimRef ClaimFromWire(const ClaimMsg& msg) {
  return ClaimRef{msg.namespace_(), msg.name(), msg.uid()};
}

template <class ClaimMsg>
void ClaimToWire(const ClaimRef& claim, ClaimMsg* msg) {
  msg->set_namespace_(claim.namespace_);
  msg->set_name(claim.name);
  msg->set_uid(claim.uid);
}

// Claims of a NodePrepareResourcesRequest or NodeUnprepareResourcesRequest.
template <class RequestMsg>
std::vector<ClaimRef> ClaimsFromWire(const RequestMsg& request) {
  std::vector<ClaimRef> claims;
  claims.reserve(request.claims_size());
  for (const auto& c : request.claims()) claims.push_back(ClaimFromWire(c));
  return claims;
}

template <class RequestMsg>
void ClaimsToWire(const std::vector<ClaimRef>& claims, RequestMsg* request) {
  for (const ClaimRef& c : claims) ClaimToWire(c, request->add_claims());
}

// share_id is dropped for versions that do not have it (v1beta1 kubelets predate shared
// devices, so there is nothing they could do with it).
template <class DeviceMsg>
void DeviceToWire(const PreparedDevice& device, DeviceMsg* msg) {
  for (const std::string& r : device.request_names) msg->add_request_names(r);
  msg->set_pool_name(device.pool_name);
  msg->set_device_name(device.device_name);
  for (const std::string& id : device.cdi_device_ids) msg->add_cdi_device_ids(id);
  if constexpr (kHasShareId<DeviceMsg>) {
    if (device.share_id) msg->set_share_id(*device.share_id);
  }
}

template <class DeviceMsg>
PreparedDevice DeviceFromWire(const DeviceMsg& msg) {
  PreparedDevice device;
  device.request_names.assign(msg.request_names().begin(), msg.request_names().end());
  device.pool_name = msg.pool_name();
  device.device_name = msg.device_name();
  device.cdi_device_ids.assign(msg.cdi_device_ids().begin(), msg.cdi_device_ids().end());
  if constexpr (kHasShareId<DeviceMsg>) {
    if (msg.has_share_id()) device.share_id = msg.share_id();
  }
  return device;
}

// NodePrepareResourcesResponse <-> outcomes keyed by claim UID.
template <class ResponseMsg>
void PrepareOutcomesToWire(const std::map<std::string, ClaimOutcome>& outcomes,
                           ResponseMsg* response) {
  auto* claims = response->mutable_claims();
  for (const auto& [uid, outcome] : outcomes) {
    auto& entry = (*claims)[uid];
    if (!outcome.ok()) {
      entry.set_error(outcome.error);
      continue;
    }
    for (const PreparedDevice& d : outcome.devices) DeviceToWire(d, entry.add_devices());
  }
}

template <class ResponseMsg>
std::map<std::string, ClaimOutcome> PrepareOutcomesFromWire(const ResponseMsg& response) {
  std::map<std::string, ClaimOutcome> outcomes;
  for (const auto& [uid, entry] : response.claims()) {
    ClaimOutcome& outcome = outcomes[uid];
    outcome.error = entry.error();
    for (const auto& d : entry.devices()) outcome.devices.push_back(DeviceFromWire(d));
  }
  return outcomes;
}

// NodeUnprepareResourcesResponse <-> error strings keyed by claim UID ("" = success).
template <class ResponseMsg>
void UnprepareErrorsToWire(const std::map<std::string, std::string>& errors,
                           ResponseMsg* response) {
  auto* claims = response->mutable_claims();
  for (const auto& [uid, error] : errors) (*claims)[uid].set_error(error);
}

template <class ResponseMsg>
std::map<std::string, std::string> UnprepareErrorsFromWire(const ResponseMsg& response) {
  std::map<std::string, std::string> errors;
  for (const auto& [uid, entry] : response.claims()) errors[uid] = entry.error();
  return errors;
}

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_DRA_CONVERT_H_
