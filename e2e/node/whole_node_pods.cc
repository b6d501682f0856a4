// WholeNode's pod lifecycle: the kubelet's and the scheduler's part of the sequence in
// whole_node.h, done in the order a cluster does it.

#include <glog/logging.h>

#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/whole_node.h"

namespace dracpu::e2e {
namespace {

using web::json::value;

}  // namespace

bool PodRun::ok() const {
  if (!claim_errors.empty() || sandbox_id.empty()) return false;
  for (const ContainerRun& c : containers) {
    if (c.id.empty()) return false;
  }
  return true;
}

const ContainerRun* PodRun::container(const std::string& name) const {
  for (const ContainerRun& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Status WholeNode::Apply(const Manifests& manifests) {
  standin::ObjectStore& store = cluster_->api().store();
  for (const value& device_class : manifests.device_classes) {
    auto created = store.Create("deviceclasses", "", device_class);
    // The rig's own dra.cpu class is already there; the example file carries the same one.
    if (!created.ok() && created.status().code() != Status::Code::kAlreadyExists) {
      return created.status();
    }
  }
  for (const ClaimSpecManifest& claim : manifests.claims) {
    value object = value::object();
    object["apiVersion"] = value::string("resource.k8s.io/v1");
    object["kind"] = value::string("ResourceClaim");
    object["metadata"]["name"] = value::string(claim.name);
    object["metadata"]["namespace"] = value::string(claim.ns);
    object["spec"] = claim.spec;
    auto created = store.Create("resourceclaims", claim.ns, object);
    if (!created.ok()) return created.status().Annotate("ResourceClaim " + claim.name);
  }
  for (const std::string& ignored : manifests.ignored) {
    LOG(INFO) << "whole node: not applied: " << ignored;
  }
  return MergeManifests(&applied_, manifests);
}

StatusOr<PodRun> WholeNode::RunPod(const std::string& name, const std::string& uid) {
  for (const PodManifest& pod : applied_.pods) {
    if (pod.name == name) return RunPod(pod, uid);
  }
  return Status::NotFound("no pod " + name + " in the applied manifests");
}

StatusOr<PodRun> WholeNode::RetryPod(const std::string& name) {
  auto it = pods_.find(name);
  if (it == pods_.end()) return Status::NotFound("pod " + name + " is not on the node");
  if (it->second.terminating) return Status::FailedPrecondition("pod " + name + " is terminating");
  if (!it->second.sandbox_id.empty()) {
    return Status::FailedPrecondition("pod " + name + " reached the runtime already");
  }
  const std::string uid = it->second.uid;
  pods_.erase(it);
  return RunPod(name, uid);
}

StatusOr<kubelet::ClaimRef> WholeNode::ClaimForPod(const PodManifest& pod,
                                                   const PodClaimManifest& claim,
                                                   const std::string& pod_uid) {
  standin::ObjectStore& store = cluster_->api().store();
  const std::string name = ResolvedClaimName(pod, claim);
  if (!store.Get("resourceclaims", pod.ns, name).ok()) {
    if (claim.template_name.empty()) {
      return Status::NotFound("ResourceClaim " + pod.ns + "/" + name + " does not exist");
    }
    StatusOr<value> object = ClaimFromTemplate(applied_, pod, claim);
    if (!object.ok()) return object.status();
    auto created = store.Create("resourceclaims", pod.ns, *object);
    if (!created.ok()) return created.status();
    generated_claims_.insert(pod.ns + "/" + name);
  }
  StatusOr<value> allocated =
      cluster_->api().AllocateClaim(pod.ns, name, pod.name, pod_uid, options_.node_name);
  if (!allocated.ok()) return allocated.status();
  return kubelet::ClaimRef{pod.ns, name, allocated->at("metadata").at("uid").as_string()};
}

StatusOr<PodRun> WholeNode::RunPod(const PodManifest& pod, const std::string& uid) {
  if (pods_.count(pod.name)) return Status::AlreadyExists("pod " + pod.name + " runs already");
  PodRun& run = pods_[pod.name];
  run.name = pod.name;
  run.ns = pod.ns;
  run.uid = uid.empty() ? "pod-" + pod.name + "-" + std::to_string(++pod_serial_) : uid;

  // Scheduling: every claim allocated and reserved for the pod, or the pod stays Pending.
  std::map<std::string, kubelet::ClaimRef> by_pod_claim;
  for (const PodClaimManifest& c : pod.claims) {
    StatusOr<kubelet::ClaimRef> ref = ClaimForPod(pod, c, run.uid);
    if (!ref.ok()) {
      run.claim_errors[c.name] = ref.status().ToString();
      continue;
    }
    by_pod_claim[c.name] = *ref;
    run.claims.push_back(*ref);
  }
  if (!run.claim_errors.empty()) return run;

  // The kubelet prepares the pod's claims in one batch before it creates the sandbox.
  std::map<std::string, kubelet::ClaimOutcome> outcomes;
  if (!run.claims.empty()) {
    auto prepared = cluster_->Prepare(run.claims);
    if (!prepared.ok()) {
      run.claim_errors["*"] = prepared.status().ToString();
      return run;
    }
    outcomes = std::move(*prepared);
    for (const auto& [name, ref] : by_pod_claim) {
      auto outcome = outcomes.find(ref.uid);
      if (outcome == outcomes.end()) {
        run.claim_errors[name] = "no answer for claim " + ref.uid;
      } else if (!outcome->second.ok()) {
        run.claim_errors[name] = outcome->second.error;
      }
    }
    if (!run.claim_errors.empty()) return run;
  }

  StatusOr<std::string> sandbox = runtime_->RunPod({pod.name, pod.ns, run.uid});
  if (!sandbox.ok()) return sandbox.status().Annotate("RunPodSandbox " + pod.name);
  run.sandbox_id = *sandbox;
  auto create = [&](const ContainerManifest& c) {
    ContainerRun ctr;
    ctr.name = c.name;
    std::vector<std::string> cdi_devices;
    for (const std::string& claim : c.claims) {
      auto ref = by_pod_claim.find(claim);
      if (ref == by_pod_claim.end()) {  // a pod built in code may skip ParseManifests' check
        ctr.error = "container " + c.name + " uses claim " + claim + " the pod does not declare";
        return ctr;
      }
      const std::string& claim_uid = ref->second.uid;
      ctr.claim_uids.push_back(claim_uid);
      for (const kubelet::PreparedDevice& d : outcomes[claim_uid].devices) {
        cdi_devices.insert(cdi_devices.end(), d.cdi_device_ids.begin(), d.cdi_device_ids.end());
      }
    }
    StatusOr<std::string> id =
        runtime_->CreateContainer(run.sandbox_id, c.name, c.env, cdi_devices);
    if (!id.ok()) {
      ctr.error = id.status().ToString();
      LOG(INFO) << "whole node: " << pod.name << "/" << c.name << " refused: " << ctr.error;
      return ctr;
    }
    ctr.id = *id;
    if (Status s = runtime_->StartContainer(ctr.id); !s.ok()) ctr.error = s.ToString();
    ctr.cpus = CpusOf(ctr.id);
    return ctr;
  };
  // Init containers run to completion, one after the other, before the app containers start.
  for (const ContainerManifest& c : pod.init_containers) {
    ContainerRun init = create(c);
    if (!init.id.empty()) runtime_->RemoveContainer(init.id);
    if (!init.error.empty()) {
      run.containers.push_back(std::move(init));
      return run;
    }
  }
  for (const ContainerManifest& c : pod.containers) run.containers.push_back(create(c));
  return run;
}

StatusOr<bool> WholeNode::DropReservationIfShared(const kubelet::ClaimRef& claim,
                                                  const std::string& pod_uid) {
  standin::ObjectStore& store = cluster_->api().store();
  StatusOr<value> stored = store.Get("resourceclaims", claim.namespace_, claim.name);
  if (!stored.ok()) return false;  // deleted by the test: the kubelet unprepares it anyway
  value updated = *stored;
  value kept = value::array();
  bool others = false;
  if (updated.has_field("status") && updated.at("status").has_field("reservedFor")) {
    for (const value& r : updated.at("status").at("reservedFor").as_array()) {
      if (r.at("uid").as_string() == pod_uid) continue;
      kept[kept.size()] = r;
      others = true;
    }
  }
  if (!others) return false;
  updated["status"]["reservedFor"] = kept;
  auto written = store.Update("resourceclaims", claim.namespace_, claim.name, updated, true);
  if (!written.ok()) return written.status();
  return true;
}

Status WholeNode::DeallocateClaim(const kubelet::ClaimRef& claim) {
  standin::ObjectStore& store = cluster_->api().store();
  StatusOr<value> stored = store.Get("resourceclaims", claim.namespace_, claim.name);
  if (!stored.ok()) return Status::OK();  // deleted by the test
  if (generated_claims_.erase(claim.namespace_ + "/" + claim.name) > 0) {
    return store.Delete("resourceclaims", claim.namespace_, claim.name, "", "").status();
  }
  value updated = *stored;
  updated["status"] = value::object();
  return store.Update("resourceclaims", claim.namespace_, claim.name, updated, true).status();
}

Status WholeNode::DeletePod(const std::string& name) {
  auto it = pods_.find(name);
  if (it == pods_.end()) return Status::NotFound("pod " + name + " is not on the node");
  PodRun& run = it->second;
  if (!run.sandbox_id.empty()) {
    DRACPU_RETURN_IF_ERROR(runtime_->RemovePod(run.sandbox_id));
    run.sandbox_id.clear();
    run.containers.clear();
  }
  run.terminating = true;

  // The kubelet's unprepareResources: claims still used by other pods only lose this pod; the
  // others go to the driver together.
  std::vector<kubelet::ClaimRef> batch;
  for (const kubelet::ClaimRef& claim : run.claims) {
    StatusOr<bool> shared = DropReservationIfShared(claim, run.uid);
    if (!shared.ok()) return shared.status().Annotate("releasing claim " + claim.name);
    if (!*shared) batch.push_back(claim);
  }
  run.claims = batch;
  if (!batch.empty()) {
    auto unprepared = cluster_->Unprepare(batch);
    if (!unprepared.ok()) return unprepared.status().Annotate("unprepare of pod " + name);
    std::string errors;
    for (const kubelet::ClaimRef& claim : batch) {
      auto e = unprepared->find(claim.uid);
      if (e != unprepared->end() && !e->second.empty())
        errors += "; " + claim.name + ": " + e->second;
    }
    if (!errors.empty()) return Status::Internal("unprepare of pod " + name + errors);
    for (const kubelet::ClaimRef& claim : batch) {
      DRACPU_RETURN_IF_ERROR(DeallocateClaim(claim).Annotate("deallocating " + claim.name));
    }
  }
  pods_.erase(it);
  return Status::OK();
}

}  // namespace dracpu::e2e
