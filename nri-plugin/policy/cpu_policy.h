// CpuPolicy: which CPUs each container gets, and which running containers must move.
//
// Pure decision logic of the nri-plugin (design.md §3-§5); it knows nothing of NRI bytes,
// sockets or files. The adapter feeds it the allocations read from the state file
// (AllocationView) and the runtime's container events, and applies what it returns: the
// placement of a new container and CpusetUpdates for containers already running.
//
// Rules:
//  - A container with DRA_CPUSET_* env entries is pinned to their union only if every entry
//    names a claim in the view, its cpuset equals the claim's, the container's pod is among the
//    claim's pods, the claim's CPUs overlap no other claim (OverlappingClaims, common/cpu_pools.h),
//    and the claim is not bound to another container. A claim binds to (pod UID, container name) at
//    first use, so a restart of the same container keeps its CPUs; the binding ends when the claim
//    leaves the view (unprepare).
//  - Every other container gets the shared pool = online - reserved - exclusive, where exclusive
//    is every claim in the view, whether or not its container exists yet.
//  - When the view changes, every shared container whose cpuset differs from the new pool is
//    updated: shrunk when a claim is prepared, grown when one is unprepared.
//
// Not thread-safe: the adapter serialises calls (NRI delivers events one at a time anyway).

#ifndef DRACPU_NRI_PLUGIN_POLICY_CPU_POLICY_H_
#define DRACPU_NRI_PLUGIN_POLICY_CPU_POLICY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/cpu_pools.h"
#include "common/cpuset.h"
#include "common/status.h"

namespace dracpu::nri {

struct ClaimGrant {
  std::string uid;
  std::string namespace_;
  std::string name;
  CpuSet cpus;
  std::set<std::string> pod_uids;
};

// What the state file says, in the policy's terms.
struct AllocationView {
  uint64_t generation = 0;
  CpuSet online;
  CpuSet reserved;
  std::map<std::string, ClaimGrant> claims;  // by claim UID
};

struct ContainerInfo {
  std::string id;  // runtime container id
  std::string name;
  std::string pod_uid;
  std::string pod_name;
  std::string pod_namespace;
  std::vector<std::string> env;  // "KEY=VALUE", CDI edits included
  std::string cpuset;            // current cpuset.cpus as the runtime reports it; may be empty
};

enum class Rejection {
  kNone,
  kMalformed,          // a DRA_CPUSET_* entry that does not parse
  kUnknownClaim,       // no such claim prepared on this node
  kCpusetMismatch,     // env cpuset differs from the prepared claim's
  kNotReservedForPod,  // the claim is not reserved for this container's pod
  kClaimInUse,         // the claim is bound to another container
  kClaimOverlap,       // the state file holds overlapping claims: refuse rather than share
};
// "malformed", "unknown_claim", ...: the metrics label and log word for a rejection.
const char* RejectionName(Rejection r);

struct CpusetUpdate {
  std::string container_id;
  CpuSet cpus;
  bool operator==(const CpusetUpdate&) const = default;
};

struct Placement {
  CpuSet cpus;
  std::vector<std::string> claims;  // empty: shared pool
  bool exclusive() const { return !claims.empty(); }
};

struct CreateResult {
  Rejection rejection = Rejection::kNone;
  Status error;                       // why, when rejected: fail the container's creation with it
  Placement placement;                // when admitted
  std::vector<CpusetUpdate> updates;  // other containers to move in the same response
};

class CpuPolicy {
 public:
  CpuPolicy() = default;

  // Installs new allocations; returns the updates that bring tracked containers in line.
  std::vector<CpusetUpdate> SetAllocations(AllocationView view);
  const AllocationView& allocations() const { return view_; }

  CreateResult CreateContainer(const ContainerInfo& container);
  // The container is gone (stopped or removed). Its claim binding outlives it.
  void RemoveContainer(const std::string& container_id);

  // Forgets everything tracked and rebuilds from the runtime's full list (plugin start or
  // reconnect). Containers that would be rejected at creation cannot be refused any more: they
  // are confined to the shared pool and logged. Returns the updates needed.
  std::vector<CpusetUpdate> Synchronize(const std::vector<ContainerInfo>& containers);

  // online - reserved - exclusive; never empty (see cpu_policy.cc for the fallback).
  CpuSet SharedPool() const;
  int pinned_containers() const;
  int shared_containers() const;
  // The placement of a tracked container, or nullptr.
  const Placement* PlacementOf(const std::string& container_id) const;

 private:
  struct Tracked {
    std::string pod_uid, name, label;  // label: "ns/pod/container" for logs
    Placement placement;
    CpuSet current;
  };
  using Binding = std::pair<std::string, std::string>;  // (pod UID, container name)

  CreateResult Decide(const ContainerInfo& c) const;
  void Track(const ContainerInfo& c, const Placement& p, const CpuSet& current);
  std::vector<CpusetUpdate> MoveSharedOffPool(const CpuSet& avoid);

  AllocationView view_;
  CpuSet exclusive_;
  std::map<std::string, ClaimOverlap> overlaps_;  // claims sharing a CPU (common/cpu_pools.h)
  std::map<std::string, Tracked> containers_;     // by container id
  std::map<std::string, Binding> bindings_;       // by claim UID
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_POLICY_CPU_POLICY_H_
