// WholeNode: one Kubernetes node without a cluster (design.md §6, issue #6). The real
// dracpu-driver and dracpu-nri run as two separate processes that share only the state folder,
// the CDI folder and the env var; their neighbours are the stand-ins: the API server (which also
// schedules claims), the kubelet and the container runtime, all inside one temporary root.
//
// Pods and claims are ordinary Kubernetes YAML (e2e/node/manifests.h, the files of
// hack/examples/), walked through the real sequence:
//   claim created from its template -> allocated by the scheduler stand-in -> pod bound ->
//   NodePrepareResources (one batch per pod, through the kubelet stand-in) -> CDI spec ->
//   containers created through NRI with the CDI devices of their claims -> started;
//   DeletePod: containers stopped and removed -> pod dropped from the reservedFor of claims
//   other pods still use -> NodeUnprepareResources for the pod's other claims (one batch per
//   pod, as the kubelet does) -> claims deallocated (and deleted when made from a template).
// Refusals (a claim that cannot be allocated or prepared, a container the nri-plugin refuses)
// are results in PodRun, not errors: scenarios assert them. Errors mean the rig itself broke.
//
//   auto node = WholeNode::Start({.topology = "16em64t-4s2c2t"});
//   auto manifests = ParseManifests(yaml);  (*node)->Apply(*manifests);
//   auto run = (*node)->RunPod("pinned-grouped");   // run->containers[0].cpus
//   REQUIRE((*node)->WaitForInvariants(5s).ok());
//
// Not thread-safe: one scenario drives a node from one thread.

#ifndef DRACPU_E2E_NODE_WHOLE_NODE_H_
#define DRACPU_E2E_NODE_WHOLE_NODE_H_

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/cpu_pools.h"
#include "common/status.h"
#include "driver/app/testing/driver_rig.h"
#include "e2e/node/manifests.h"
#include "e2e/node/node_invariants.h"
#include "e2e/runtime_standin/child_process.h"
#include "e2e/runtime_standin/runtime_standin.h"

namespace dracpu::e2e {

struct NodeOptions {
  // A fixture of ../shared/topologies, "host" or "generated:<shape>"
  // (common/testing/topology_source.h).
  std::string topology = "16em64t-4s2c2t";
  std::string device_mode = "grouped";  // --cpu-device-mode
  std::string group_by = "numanode";    // --group-by
  std::string reserved_cpus = "0";      // --reserved-cpus
  std::vector<std::string> driver_flags;
  int nri_verbosity = 1;
  std::string node_name = "node-a";
  // The kubelet stand-in's deadline per DRA call and attempts per call (testing::RigOptions).
  std::chrono::milliseconds kubelet_call_timeout{45000};
  int kubelet_attempts = 3;
  // With topology "host": back every container with a real cpuset cgroup and a sleeping process
  // (cgroup v1 /sys/fs/cgroup/cpuset, else v2 /sys/fs/cgroup), so the invariants also compare
  // what the kernel enforces (sched_getaffinity). Where neither is writable the node runs with
  // recorded cpusets only; kernel_checked() tells which.
  bool real_cgroups = false;
};

struct ContainerRun {
  std::string name;
  std::string id;                       // "" when the runtime refused to create it
  std::string error;                    // why it was refused
  std::vector<std::string> claim_uids;  // the claims whose CDI devices it was given
  std::string cpus;                     // the cpuset right after creation
};

struct PodRun {
  std::string name, ns, uid;
  std::string sandbox_id;  // "" when the pod never got to the runtime
  std::vector<kubelet::ClaimRef> claims;
  std::map<std::string, std::string> claim_errors;  // pod claim name -> scheduling/prepare error
  std::vector<ContainerRun> containers;
  // DeletePod ran but its unprepare failed: no sandbox and no containers any more; `claims`
  // holds the batch the kubelet sends again (DeletePod once more is its retry).
  bool terminating = false;

  // Every claim prepared and every container created.
  bool ok() const;
  const ContainerRun* container(const std::string& name) const;
};

class WholeNode {
 public:
  // Starts every neighbour and both binaries; returns once the driver is registered and has
  // published its slices and the nri-plugin has finished its handshake.
  static StatusOr<std::unique_ptr<WholeNode>> Start(NodeOptions options);
  ~WholeNode();

  // Device classes and standalone ResourceClaims are created in the API server; templates and
  // pods are kept for RunPod.
  Status Apply(const Manifests& manifests);
  // Runs pod `name` of the applied manifests, or `pod`. `uid` "" = a fresh UID; pass an old
  // one to bring the same pod back (after a reboot). AlreadyExists when it runs already.
  StatusOr<PodRun> RunPod(const std::string& name, const std::string& uid = "");
  StatusOr<PodRun> RunPod(const PodManifest& pod, const std::string& uid = "");
  // The kubelet's retry of a pod whose claims failed to prepare (e.g. the driver died in the
  // middle of the batch): the pod, with the same UID, goes through preparation again and then to
  // the runtime; its claims are neither unprepared nor deallocated in between, as on a real node.
  // FailedPrecondition when the pod already reached the runtime or is terminating.
  StatusOr<PodRun> RetryPod(const std::string& name);
  // Removes the pod's sandbox and containers, then unprepares the claims no other pod uses in
  // ONE NodeUnprepareResources call, as the kubelet does (kubelet-dra.md §6.1; manager.go
  // unprepareResources). When that call fails, or any claim of it reports an error, nothing of
  // the batch counts as done (the kubelet keeps every claim of it in its cache): the pod stays
  // in pods() with `terminating` set and the error is returned; calling DeletePod again sends
  // the same batch again. Claims are deallocated only once their unprepare succeeded.
  Status DeletePod(const std::string& name);
  // The pods run and not yet deleted (including those refused and those terminating), by name.
  const std::map<std::string, PodRun>& pods() const { return pods_; }

  // The invariants (node_invariants.h) over the state file and every container of the runtime.
  std::vector<std::string> Violations();
  // Waits until the invariants hold (the shared pool grows back asynchronously); on timeout
  // FailedPrecondition with the last violations.
  Status WaitForInvariants(std::chrono::milliseconds timeout);
  // Waits until every container without a DRA_CPUSET_* env var runs on the shared pool of the
  // state file as it is now; returns how long that took (the shared pool growing back after an
  // unprepare, design.md §4). DeadlineExceeded with the containers still narrow on timeout.
  StatusOr<std::chrono::microseconds> WaitForSharedPool(std::chrono::milliseconds timeout);

  // Neighbours and binaries coming and going (issue #6 scenarios 6 and 7).
  Status RestartDriver(bool crash);  // SIGKILL when crash, else SIGTERM; then start again
  Status StopDriver(bool crash);     // ... without starting again
  // Returns once the kubelet stand-in registered the driver and, when `until_ready`, /healthz
  // says ready (slices published): during an API server outage only registration can happen.
  Status StartDriver(bool until_ready = true);
  Status RestartNriPlugin(bool crash);  // a fresh process: empty caches, as a new image would
  Status RestartRuntime();              // the runtime restarts and keeps its containers
  // The two halves of RestartNriPlugin, for changes made while no plugin is connected.
  // StartNriPlugin returns once the runtime has completed the handshake (Synchronize included);
  // `binary` "" = the dracpu-nri of this build, else another copy (a replaced image).
  Status StopNriPlugin(bool crash);  // SIGKILL when crash, else SIGTERM
  Status StartNriPlugin(const std::string& binary = "");
  // A reboot: every process and container gone, a new boot ID, then the runtime, the driver and
  // the nri-plugin start again. Pods are forgotten by the runtime but their claims stay
  // allocated and reserved in the API server, as on a real node; RunPod(name, old uid) brings a
  // pod back.
  Status Reboot(const std::string& new_boot_id);

  testing::DriverRig& cluster() { return *cluster_; }  // API server, kubelet, driver
  standin::RuntimeStandin& runtime() { return *runtime_; }
  StatusOr<AllocationState> ReadState() { return cluster_->ReadState(); }
  StatusOr<CpuPools> Pools();
  // The cpuset the runtime applied to container `id` ("" = unrestricted), or the error.
  std::string CpusOf(const std::string& id);
  // Copies every log of both binaries into `dir`; returns "driver: PATH, nri-plugin: PATH".
  std::string KeepLogs(const std::string& dir);
  std::string nri_log() const;
  const NodeOptions& options() const { return options_; }
  // Whether containers are real cgroups whose affinity the invariants check.
  bool kernel_checked() const { return runtime_->cgroups_enabled(); }

 private:
  explicit WholeNode(NodeOptions options);
  Status Init();
  // The runtime, with real cgroups when asked for and possible.
  Status StartRuntime();
  // The claim a pod claim resolves to: created from its template when missing, then allocated
  // and reserved for the pod. The error is the user-visible reason the pod cannot start.
  StatusOr<kubelet::ClaimRef> ClaimForPod(const PodManifest& pod, const PodClaimManifest& claim,
                                          const std::string& pod_uid);
  // Whether another pod than `pod_uid` holds the claim (status.reservedFor); if so the pod is
  // dropped from it, else the claim is left as it is for the unprepare. False for a claim the
  // test deleted.
  StatusOr<bool> DropReservationIfShared(const kubelet::ClaimRef& claim,
                                         const std::string& pod_uid);
  // After a successful unprepare: the claim deallocated, or deleted when made from a template.
  Status DeallocateClaim(const kubelet::ClaimRef& claim);

  NodeOptions options_;
  std::unique_ptr<testing::DriverRig> cluster_;
  std::unique_ptr<standin::RuntimeStandin> runtime_;
  standin::ChildProcess nri_;
  int nri_starts_ = 0;
  uint64_t pod_serial_ = 0;
  Manifests applied_;
  std::set<std::string> generated_claims_;  // "ns/name" of claims made from templates
  std::map<std::string, PodRun> pods_;      // by pod name, from RunPod to DeletePod
};

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_WHOLE_NODE_H_
