// Churn on a whole node (issue #6 scenario 10): many pods with random claims created and
// deleted over time, interleaved, while the node's invariants are checked after every step and
// the time the shared pool takes to grow back after each unprepare is measured.
//
// One routine for the scenario test (e2e/node/scenario_churn_test.cc) and the benchmark
// (bench/bench_churn.cc), so the figures `make bench` prints are those of the tested churn.
//
// The churn is a pure function of its seed (std::mt19937_64), so a failure replays with
// DRACPU_CHURN_SEED=<the printed seed>. Pods, drawn at random:
//   - without claims (one or two containers): they live in the shared pool;
//   - one claim of 1..max_claim_cpus CPUs for container "app", sometimes with a shared
//     "sidecar";
//   - two claims for two containers;
//   - a claim larger than any NUMA node (oversize_share): it can never be allocated and must be
//     refused cleanly.
// A pod "bystander" without claims lives through the whole churn, so that every unprepare has
// a shared container to grow.
//
// Checked at every step (any failure ends the churn with FailedPrecondition naming the step,
// the pod and the seed):
//   - after a create: a pod whose claims all fit runs every container, and each claim holds
//     exactly the CPUs it asked for; a pod refused (claim_errors) has no sandbox, says why, and
//     none of its refused claims is in the state file; an oversize claim is always refused;
//     a refused pod that has another claim prepared is deleted at once and checked after
//     that (the nri-plugin leaves shared containers on such a claim's CPUs: a known gap,
//     see scenario_churn_test.cc);
//   - after a delete: none of the pod's claims is left in the state file, and every shared
//     container reaches the grown shared pool (timed);
//   - when check_every_step: the node's invariants (WholeNode::WaitForInvariants);
//   - at the end, every pod deleted: no claim in the state file, the invariants hold.
//
// Not thread-safe (drives one WholeNode from one thread).

#ifndef DRACPU_E2E_NODE_CHURN_H_
#define DRACPU_E2E_NODE_CHURN_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "e2e/node/whole_node.h"

namespace dracpu::e2e {

struct ChurnOptions {
  uint64_t seed = 1;
  int pods = 200;      // created in all (the bystander not counted)
  int max_alive = 24;  // pods alive at once: a random target in [1, max_alive], redrawn often
  int max_claim_cpus = 6;
  // The largest group of the topology (CPUs of a NUMA node): oversize claims ask for more.
  int group_cpus = 8;
  double no_claim_share = 0.2;
  double two_claim_share = 0.15;
  double oversize_share = 0.05;
  double sidecar_share = 0.3;  // of one-claim pods: a second container without claim
  bool check_every_step = true;
  std::chrono::milliseconds settle{10000};
};

struct ChurnResult {
  int created = 0;             // pods that ran every container
  int refused = 0;             // pods refused with claim_errors (oversize included)
  int refused_oversize = 0;    // of which asking more than a group has
  int refused_at_prepare = 0;  // of which allocated, then refused by the driver
  // of which with another claim prepared: checked, then deleted (churn.cc)
  int refused_partially = 0;
  int deleted = 0;
  int claims_prepared = 0;
  int containers = 0;
  // One sample per deleted pod that held prepared claims: DeletePod returning -> every shared
  // container on the grown pool.
  std::vector<std::chrono::microseconds> regrowth;
  // The same pods: DeletePod called -> every shared container on the grown pool (includes the
  // containers' removal and NodeUnprepareResources).
  std::vector<std::chrono::microseconds> delete_to_grown;
  std::chrono::nanoseconds elapsed{0};
};

// The machine the test and the benchmark churn on per device mode: 64 CPUs either way, room
// for a dozen claims at once. Grouped: a real machine with 8 NUMA nodes of 8 CPUs, no SMT.
// Individual: a generated one with 4 NUMA nodes of 8 cores x 2 threads.
struct ChurnMachine {
  std::string topology;  // NodeOptions::topology
  int group_cpus;        // CPUs of a NUMA node (ChurnOptions::group_cpus)
};
ChurnMachine ChurnMachineFor(const std::string& device_mode);

// DRACPU_CHURN_SEED when it is set to a number, else `fallback`.
uint64_t ChurnSeed(uint64_t fallback);

// The ResourceClaimTemplates the churn uses, sizes 1..max_cpus, for WholeNode::Apply. Grouped
// mode: "churn-<size>" consumes <size> of a group's capacity. Individual mode: "churn-<size>"
// asks for <size> CPU devices of one NUMA node (matchAttribute), "churn-any-<size>" for <size>
// CPU devices anywhere.
Manifests ChurnTemplates(const std::string& device_mode, int max_cpus);

// Runs the churn on `node`: applies ChurnTemplates (the node's device mode selects them), starts
// the bystander, churns, deletes everything. REQUIRES: nothing named churn-* applied yet.
StatusOr<ChurnResult> RunChurn(WholeNode& node, const ChurnOptions& options);

struct DurationSummary {
  size_t count = 0;
  double median_ms = 0, p99_ms = 0, max_ms = 0;
};
DurationSummary Summarize(std::vector<std::chrono::microseconds> samples);
// One line: the pod counts, pods/s, and median/p99/max of both regrowth figures.
std::string FormatChurn(const ChurnResult& result);

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_CHURN_H_
