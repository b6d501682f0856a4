#include "nri-plugin/policy/cpu_policy.h"

#include <glog/logging.h>

#include <algorithm>
#include <tuple>

#include "common/cpu_pools.h"
#include "nri-plugin/policy/claim_env.h"

namespace dracpu::nri {

const char* RejectionName(Rejection r) {
  switch (r) {
    case Rejection::kNone: return "none";
    case Rejection::kMalformed: return "malformed";
    case Rejection::kUnknownClaim: return "unknown_claim";
    case Rejection::kCpusetMismatch: return "cpuset_mismatch";
    case Rejection::kNotReservedForPod: return "not_reserved_for_pod";
    case Rejection::kClaimInUse: return "claim_in_use";
    case Rejection::kClaimOverlap: return "claim_overlap";
  }
  return "unknown";
}

namespace {

std::string Label(const ContainerInfo& c) {
  return c.pod_namespace + "/" + c.pod_name + "/" + c.name;
}

CreateResult Reject(Rejection why, const std::string& message) {
  CreateResult r;
  r.rejection = why;
  r.error = Status::PermissionDenied(message);
  return r;
}

}  // namespace

CpuSet CpuPolicy::SharedPool() const {
  CpuSet pool = view_.online - view_.reserved - exclusive_;
  if (!pool.Empty()) return pool;
  // The driver refuses a prepare that would empty the pool, so this is a broken state file.
  // A cgroup cannot have no CPUs: fall back to the reserved CPUs, which are never exclusive,
  // rather than hand a shared container someone's exclusive CPUs; with no reserved CPUs either,
  // the whole machine is the last resort (logged loudly by SetAllocations).
  CpuSet fallback = view_.reserved & view_.online;
  return fallback.Empty() ? view_.online : fallback;
}

int CpuPolicy::pinned_containers() const {
  return static_cast<int>(std::count_if(containers_.begin(), containers_.end(), [](const auto& kv) {
    return kv.second.placement.exclusive();
  }));
}

int CpuPolicy::shared_containers() const {
  return static_cast<int>(containers_.size()) - pinned_containers();
}

const Placement* CpuPolicy::PlacementOf(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second.placement;
}

std::vector<CpusetUpdate> CpuPolicy::SetAllocations(AllocationView view) {
  view_ = std::move(view);
  exclusive_ = CpuSet();
  std::map<std::string, CpuSet> claim_cpus;
  for (const auto& [uid, grant] : view_.claims) {
    exclusive_ |= grant.cpus;
    claim_cpus.emplace(uid, grant.cpus);
  }
  overlaps_ = OverlappingClaims(claim_cpus);
  for (const auto& [uid, overlap] : overlaps_) {
    LOG(ERROR) << "state generation " << view_.generation << ": " << DescribeOverlap(uid, overlap)
               << "; containers naming claim " << uid << " are refused";
  }
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    it = view_.claims.count(it->first) ? std::next(it) : bindings_.erase(it);
  }
  CpuSet pool = SharedPool();
  // No online CPUs means no state file yet: the pool is unknown, not empty (nothing to log).
  if (!view_.online.Empty() && (view_.online - view_.reserved - exclusive_).Empty()) {
    LOG(ERROR) << "state generation " << view_.generation
               << " leaves no shared CPU; shared containers fall back to " << pool.ToString();
  }
  std::vector<CpusetUpdate> updates;
  for (auto& [id, t] : containers_) {
    if (t.placement.exclusive()) {
      for (const std::string& claim : t.placement.claims) {
        if (!view_.claims.count(claim)) {
          LOG(WARNING) << "claim " << claim << " was unprepared while container " << t.label
                       << " still runs on CPUs " << t.placement.cpus.ToString();
        }
      }
      continue;
    }
    t.placement.cpus = pool;
    if (t.current != pool) {
      VLOG(1) << "shared container " << t.label << ": cpus=" << t.current.ToString()
              << " want=" << pool.ToString();
      t.current = pool;
      updates.push_back({id, pool});
    }
  }
  if (!updates.empty()) {
    LOG(INFO) << "shared pool now " << pool.ToString() << " (" << pool.Size() << " CPUs): updating "
              << updates.size() << " containers";
  }
  return updates;
}

CreateResult CpuPolicy::Decide(const ContainerInfo& c) const {
  auto claims = ParseClaimEnv(c.env);
  if (!claims.ok()) return Reject(Rejection::kMalformed, claims.status().message());
  CreateResult result;
  if (claims->empty()) {
    result.placement.cpus = SharedPool();
    return result;
  }
  for (const ClaimEnv& ref : *claims) {
    auto it = view_.claims.find(ref.claim_uid);
    if (it == view_.claims.end()) {
      return Reject(Rejection::kUnknownClaim,
                    "unknown claim " + ref.claim_uid + " (not prepared on this node)");
    }
    const ClaimGrant& grant = it->second;
    if (grant.cpus != ref.cpus) {
      return Reject(Rejection::kCpusetMismatch, "cpuset mismatch for claim " + ref.claim_uid +
                                                    ": env says " + ref.cpus.ToString() +
                                                    ", prepared " + grant.cpus.ToString());
    }
    if (!grant.pod_uids.count(c.pod_uid)) {
      return Reject(Rejection::kNotReservedForPod,
                    "claim " + ref.claim_uid + " not reserved for pod " + c.pod_uid);
    }
    auto overlap = overlaps_.find(ref.claim_uid);
    if (overlap != overlaps_.end()) {
      return Reject(Rejection::kClaimOverlap,
                    DescribeOverlap(ref.claim_uid, overlap->second) + " in the state file");
    }
    auto bound = bindings_.find(ref.claim_uid);
    if (bound != bindings_.end() && bound->second != Binding(c.pod_uid, c.name)) {
      return Reject(Rejection::kClaimInUse, "claim " + ref.claim_uid + " already bound to " +
                                                bound->second.first + "/" + bound->second.second);
    }
    result.placement.cpus |= grant.cpus;
    result.placement.claims.push_back(ref.claim_uid);
  }
  return result;
}

void CpuPolicy::Track(const ContainerInfo& c, const Placement& p, const CpuSet& current) {
  containers_[c.id] = Tracked{c.pod_uid, c.name, Label(c), p, current};
  for (const std::string& claim : p.claims) bindings_[claim] = Binding(c.pod_uid, c.name);
}

std::vector<CpusetUpdate> CpuPolicy::MoveSharedOffPool(const CpuSet& avoid) {
  std::vector<CpusetUpdate> updates;
  CpuSet pool = SharedPool();
  for (auto& [id, t] : containers_) {
    if (t.placement.exclusive() || !t.current.Intersects(avoid)) continue;
    LOG(INFO) << "shrinking shared container " << t.label << ": cpus=" << t.current.ToString()
              << " want=" << pool.ToString();
    t.placement.cpus = pool;
    t.current = pool;
    updates.push_back({id, pool});
  }
  return updates;
}

CreateResult CpuPolicy::CreateContainer(const ContainerInfo& c) {
  CreateResult r = Decide(c);
  if (r.rejection != Rejection::kNone) {
    LOG(WARNING) << "rejected container " << Label(c) << " (pod " << c.pod_uid
                 << "): " << r.error.message();
    return r;
  }
  if (r.placement.exclusive()) {
    std::string claims;
    for (const std::string& uid : r.placement.claims) claims += (claims.empty() ? "" : ",") + uid;
    LOG(INFO) << "pinned container " << Label(c) << " pod=" << c.pod_uid << " claim=" << claims
              << " cpus=" << r.placement.cpus.ToString();
    r.updates = MoveSharedOffPool(r.placement.cpus);
  } else {
    VLOG(1) << "container " << Label(c) << " joins the shared pool " << r.placement.cpus.ToString();
  }
  Track(c, r.placement, r.placement.cpus);
  return r;
}

void CpuPolicy::RemoveContainer(const std::string& id) { containers_.erase(id); }

std::vector<CpusetUpdate> CpuPolicy::Synchronize(const std::vector<ContainerInfo>& containers) {
  containers_.clear();
  bindings_.clear();
  // Deterministic order, so that of two containers claiming one claim the same one wins on
  // every plugin restart.
  std::vector<const ContainerInfo*> order;
  for (const ContainerInfo& c : containers) order.push_back(&c);
  std::sort(order.begin(), order.end(), [](const ContainerInfo* a, const ContainerInfo* b) {
    return std::tie(a->pod_uid, a->name, a->id) < std::tie(b->pod_uid, b->name, b->id);
  });
  std::vector<CpusetUpdate> updates;
  for (const ContainerInfo* c : order) {
    CreateResult r = Decide(*c);
    if (r.rejection != Rejection::kNone) {
      LOG(ERROR) << "running container " << Label(*c) << " (pod " << c->pod_uid
                 << ") fails the claim check (" << r.error.message()
                 << "); confining it to the shared pool";
      r.placement = Placement{SharedPool(), {}};
    }
    auto parsed = CpuSet::Parse(c->cpuset);
    CpuSet current = parsed.ok() ? *parsed : CpuSet();
    if (!r.placement.exclusive() && current.Intersects(exclusive_)) {
      LOG(WARNING) << "container " << Label(*c) << " drifted: cpus=" << c->cpuset
                   << " want=" << r.placement.cpus.ToString() << " (holds exclusive CPUs "
                   << (current & exclusive_).ToString() << ")";
    } else if (r.placement.exclusive() && current != r.placement.cpus) {
      LOG(WARNING) << "container " << Label(*c) << " drifted: cpus=" << c->cpuset
                   << " want=" << r.placement.cpus.ToString();
    }
    if (current != r.placement.cpus) updates.push_back({c->id, r.placement.cpus});
    Track(*c, r.placement, r.placement.cpus);
  }
  LOG(INFO) << "synchronized: containers=" << containers.size() << " pinned=" << pinned_containers()
            << " shared=" << shared_containers() << " updates=" << updates.size()
            << " pool=" << SharedPool().ToString();
  return updates;
}

}  // namespace dracpu::nri
