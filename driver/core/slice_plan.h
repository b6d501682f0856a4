// Slice reconciliation: the API calls that turn the slices on the server into the desired ones.
//
// Pure: the publisher lists/watches this node's slices (field selector spec.driver=dra.cpu,
// spec.nodeName=<node>), calls PlanSliceSync with what it sees, and performs the plan in order:
// deletes (DELETE with preconditions {uid, resourceVersion}; 404 = done), then updates (PUT
// with the slice's resourceVersion; 409 = re-list and plan again), then creates (POST with
// metadata.generateName). Reproduces the Go helper's algorithm (resource-api.md §10.2):
//   - current generation = highest pool.generation among the pool's slices (0 if none);
//   - obsolete = slices of another pool, of a lower generation, whose name does not decode to
//     a desired index, or a second slice for an index already matched;
//   - a matched slice is changed when its spec differs from the desired one (pool incl.
//     generation and resourceSliceCount, nodeName, devices incl. their order, and any field we
//     do not set such as nodeSelector, allNodes, sharedCounters, perDeviceNodeSelection),
//     or when its ownerReferences are not the desired ones (the Go helper leaves metadata
//     alone; we put the Node owner back so garbage collection keeps working);
//   - generation: the requested one if higher; else kept if no slice is new and at most one
//     changed (a single PUT is atomic for readers); else current + 1 for all slices;
//   - when the generation changes every matched slice is rewritten with it.
// An empty `desired` means the pool is gone: every existing slice is deleted.
//
// Objects in the plan are converted to `version` (api_version.h) and ready to send; update
// objects keep the existing metadata (name, uid, resourceVersion, labels, ownerReferences).

#ifndef DRACPU_DRIVER_CORE_SLICE_PLAN_H_
#define DRACPU_DRIVER_CORE_SLICE_PLAN_H_

#include <cpprest/json.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "driver/core/api_version.h"

namespace dracpu {

struct SliceDelete {
  std::string name;
  std::string uid;
  std::string resource_version;
};

struct SliceSyncPlan {
  int64_t generation = 0;  // the pool generation every remaining slice will carry
  std::vector<SliceDelete> deletes;
  std::vector<web::json::value> updates;  // full objects for PUT, in `version`
  std::vector<web::json::value> creates;  // full objects for POST, in `version`
  bool empty() const { return deletes.empty() && updates.empty() && creates.empty(); }
};

struct SliceSyncInput {
  // From BuildResourceSlices: v1 objects, index i at [i]; their pool.generation is ignored.
  std::vector<web::json::value> desired;
  // As listed from the server in `version` (items of the list, or watch objects).
  std::vector<web::json::value> existing;
  std::string pool_name;  // = node name
  ResourceApiVersion version = ResourceApiVersion::kV1;
  // A generation to move to if higher than the current one (0 = none).
  int64_t requested_generation = 0;
};

// Returns InvalidArgument when an existing slice lacks metadata.name or spec.pool, or a
// v1beta1 device is malformed: the caller should log it and re-list, not act on half a view.
StatusOr<SliceSyncPlan> PlanSliceSync(const SliceSyncInput& input);

// After a PUT or POST: true when the object the server returned carries the spec that was
// sent. False means the server dropped fields (a feature gate is off, e.g. no
// allowMultipleAllocations without DRAConsumableCapacity on 1.34/1.35, resource-api.md §1):
// the publisher should log it loudly and, to avoid rewriting the slice forever, plan the next
// syncs against the returned spec. Both objects are in `version`.
bool ServerKeptSliceSpec(const web::json::value& sent, const web::json::value& returned,
                         ResourceApiVersion version);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_SLICE_PLAN_H_
