// Plays the scheduler's binding step against the stand-in's store: allocates claim ns/name from
// the stored ResourceSlices and DeviceClasses (see scheduler.h), counting every other claim's
// allocation as used, writes status.allocation (kept if already allocated) and adds the pod to
// status.reservedFor. Returns the updated claim.

#ifndef DRACPU_E2E_APISERVER_CLAIM_ALLOCATION_H_
#define DRACPU_E2E_APISERVER_CLAIM_ALLOCATION_H_

#include <string>

#include "common/status.h"
#include "e2e/apiserver/object_store.h"

namespace dracpu::standin {

StatusOr<Json> AllocateAndReserve(ObjectStore& store, const std::string& ns,
                                  const std::string& name, const std::string& pod_name,
                                  const std::string& pod_uid, const std::string& node);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_CLAIM_ALLOCATION_H_
