// The invariants of design.md §4 over a whole node, as the e2e scenarios check them after every
// step: pure, from the state file's contents and what the runtime says each container got.
//
//   1. claims' exclusive sets are disjoint (no CPU promised twice);
//   2. shared pool = online - reserved - exclusive, and it is not empty;
//   3. a container whose env carries DRA_CPUSET_<uid> entries runs on exactly the union of
//      those claims' CPUs, and each of those claims is Prepared;
//   4. no CPU belongs to two claim containers (so a claim serves one container);
//   5. every other container runs on the shared pool, plus at most the CPUs of prepared claims
//      whose container does not exist yet: design.md §4 shrinks running shared containers in
//      the CreateContainer response of the claim's container, not at prepare (new shared
//      containers get the shrunk pool at once). None is left unconfined, and none keeps a CPU
//      of a claim whose container runs. When every prepared claim has its container, this is
//      "exactly the shared pool".
//
// The env is read here independently of the nri-plugin's parser on purpose: this is the
// oracle the plugin is judged by, so it must not share the plugin's code.

#ifndef DRACPU_E2E_NODE_NODE_INVARIANTS_H_
#define DRACPU_E2E_NODE_NODE_INVARIANTS_H_

#include <string>
#include <vector>

#include "common/state_codec.h"

namespace dracpu::e2e {

struct ContainerCpus {
  std::string label;             // "pod/container (id)", for messages
  std::vector<std::string> env;  // NAME=VALUE as the runtime created the container
  std::string cpus;              // the cpuset the runtime applied; "" = never restricted
};

// Every violated invariant, one sentence each naming the claim, container and CPUs; empty when
// the node is right.
std::vector<std::string> NodeViolations(const AllocationState& state,
                                        const std::vector<ContainerCpus>& containers);

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_NODE_INVARIANTS_H_
