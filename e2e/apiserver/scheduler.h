// The stand-in's scheduler: allocates a ResourceClaim's requests to devices of published
// ResourceSlices, the way kube-scheduler's structured-parameters allocator does for the cases
// the driver meets, without CEL:
//  - requests in v1/v1beta2 form ({name, exactly|firstAvailable}) and v1beta1 form (flat);
//    devices in v1/v1beta2 form (flat) and v1beta1 form (`basic`);
//  - allocationMode ExactCount (count, default 1) and All;
//  - selectors (request and DeviceClass) restricted to `&&`-joined equalities:
//    device.driver == "x", device.attributes["domain"].id == <string|int|bool>;
//    anything else is refused with InvalidArgument naming the expression;
//  - capacity.requests on devices with allowMultipleAllocations (consumable capacity): a share
//    with consumedCapacity and a shareID; the sum of shares never exceeds the capacity;
//  - one matchAttribute constraint; only slices of a pool's highest generation; all devices
//    on one node (the given node, or the first node where everything fits).
// Devices are taken in slice order, so individual-mode claims land on adjacent devices.

#ifndef DRACPU_E2E_APISERVER_SCHEDULER_H_
#define DRACPU_E2E_APISERVER_SCHEDULER_H_

#include <cpprest/json.h>

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

struct SchedulerInput {
  web::json::value claim;
  std::vector<web::json::value> slices;
  std::map<std::string, web::json::value> device_classes;  // by name
  std::vector<web::json::value> other_claims;              // their status.allocation counts as used
  std::string node;                                        // "" = any node
};

// Returns the status.allocation object. ResourceExhausted when nothing fits.
StatusOr<web::json::value> Allocate(const SchedulerInput& input);

// Quantity text ("4", "500m", "2k") to milli-units. Exposed for tests.
StatusOr<int64_t> ParseQuantityMilli(const std::string& text);
std::string FormatQuantityMilli(int64_t milli);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_SCHEDULER_H_
