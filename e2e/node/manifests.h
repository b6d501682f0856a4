// The Kubernetes objects the e2e node rig understands, read from ordinary manifest YAML.
//
// `make demo` and the e2e tests are driven by the same files a user would `kubectl apply`
// (hack/examples/*.yaml): DeviceClasses, ResourceClaimTemplates, ResourceClaims and Pods. This
// module turns such text into plain values; the rig then plays the API server (claims as JSON),
// the resource claim controller (ClaimFromTemplate) and the kubelet (pods, containers, env).
//
// Pure: no I/O besides the text given. Never throws.
//
// Understood: apiVersion resource.k8s.io/v1 DeviceClass, ResourceClaimTemplate, ResourceClaim;
// apiVersion v1 Pod. A known kind with another apiVersion is an error (its spec would be read
// wrongly); an unknown kind (Deployment, ConfigMap, ...) is skipped and listed in `ignored`.
// Namespaced objects without metadata.namespace are in "default".

#ifndef DRACPU_E2E_NODE_MANIFESTS_H_
#define DRACPU_E2E_NODE_MANIFESTS_H_

#include <cpprest/json.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::e2e {

// A container of a pod spec.
struct ContainerManifest {
  std::string name;
  // "NAME=VALUE" from env[].name/value, in order. env[].valueFrom entries are skipped (the rig
  // has no Secrets or downward API) and noted in Manifests::ignored.
  std::vector<std::string> env;
  // Names of the pod-level claims (PodManifest::claims) the container uses:
  // resources.claims[].name. Each one is declared by the pod (checked at parse).
  std::vector<std::string> claims;
};

// A pod-level claim, spec.resourceClaims[]: exactly one of template_name
// (resourceClaimTemplateName) and claim_name (resourceClaimName) is set.
struct PodClaimManifest {
  std::string name;
  std::string template_name;
  std::string claim_name;
};

struct PodManifest {
  std::string name;
  std::string ns = "default";
  std::vector<PodClaimManifest> claims;
  std::vector<ContainerManifest> init_containers;
  std::vector<ContainerManifest> containers;
};

// A ResourceClaimTemplate (its spec.spec) or a ResourceClaim (its spec): the claim spec as JSON,
// ready to be the "spec" of a ResourceClaim given to the API server stand-in.
struct ClaimSpecManifest {
  std::string name;
  std::string ns = "default";
  web::json::value spec;
};

struct Manifests {
  std::vector<ClaimSpecManifest> templates;
  std::vector<ClaimSpecManifest> claims;
  std::vector<PodManifest> pods;
  std::vector<web::json::value> device_classes;  // whole objects, as in the file
  // "Kind/name: why" for what was read but not used, e.g. "Deployment/web: kind not understood".
  std::vector<std::string> ignored;
};

// Parses a multi-document YAML stream. Objects keep the file's order.
// Errors (InvalidArgument, naming the document and object): malformed YAML; a document that is
// not a map or lacks apiVersion/kind; an understood object without metadata.name; a template
// without spec.spec or a claim without spec; a pod claim with neither or both of
// resourceClaimTemplateName/resourceClaimName; a container using a claim the pod does not
// declare; a pod without containers. AlreadyExists: two objects of one kind with one
// namespace/name, two claims or two containers of one pod with one name.
StatusOr<Manifests> ParseManifests(const std::string& yaml_text);

// Appends `more` to `*into` (as if both texts were one stream). On error (AlreadyExists, as in
// ParseManifests) `*into` is unchanged.
Status MergeManifests(Manifests* into, Manifests more);

// A pod built in code rather than read from YAML: one container `container` with `env` and no
// claims (the forged-env scenarios).
PodManifest PodWithEnv(const std::string& name, const std::string& container,
                       std::vector<std::string> env);

// The claim name a pod claim resolves to: for a template, "<pod>-<claim>" (what the rig's claim
// controller names it; the real one appends a random suffix); otherwise claim_name.
std::string ResolvedClaimName(const PodManifest& pod, const PodClaimManifest& c);

// The ResourceClaim object the resource claim controller would create for pod claim `c` of
// `pod` from its template: {"apiVersion":"resource.k8s.io/v1","kind":"ResourceClaim",
// "metadata":{"name":ResolvedClaimName,"namespace":pod.ns,"annotations":{
// "resource.kubernetes.io/pod-claim-name":c.name}},"spec":<template's spec.spec>}.
// REQUIRES: `c` is one of pod.claims.
// Errors: InvalidArgument when `c` names a claim rather than a template; NotFound when `m` has
// no template of that name in the pod's namespace.
StatusOr<web::json::value> ClaimFromTemplate(const Manifests& m, const PodManifest& pod,
                                             const PodClaimManifest& c);

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_MANIFESTS_H_
