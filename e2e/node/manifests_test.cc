#include "e2e/node/manifests.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace dracpu::e2e {
namespace {

using web::json::value;

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(DRACPU_SOURCE_DIR) + "/hack/examples/" + name);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Manifests ParseOk(const std::string& text) {
  auto m = ParseManifests(text);
  INFO(m.status().ToString());
  REQUIRE(m.ok());
  return std::move(m).value();
}

// The error ParseManifests gives for `text`; fails the test if it parses.
Status ParseError(const std::string& text) {
  auto m = ParseManifests(text);
  REQUIRE_FALSE(m.ok());
  return m.status();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("grouped.yaml: a template asking 6 CPUs of capacity, one pod using it", "[manifests]") {
  Manifests m = ParseOk(ReadExample("grouped.yaml"));
  REQUIRE(m.templates.size() == 1);
  CHECK(m.claims.empty());
  CHECK(m.device_classes.empty());
  CHECK(m.ignored.empty());
  const ClaimSpecManifest& t = m.templates[0];
  CHECK(t.name == "six-cpus");
  CHECK(t.ns == "default");
  const value& exactly = t.spec.at("devices").at("requests").at(0).at("exactly");
  CHECK(exactly.at("deviceClassName").as_string() == "dra.cpu");
  const value& cpu = exactly.at("capacity").at("requests").at("dra.cpu/cpu");
  REQUIRE(cpu.is_string());  // a quantity, quoted in the file
  CHECK(cpu.as_string() == "6");

  REQUIRE(m.pods.size() == 1);
  const PodManifest& pod = m.pods[0];
  CHECK(pod.name == "pinned-grouped");
  CHECK(pod.ns == "default");
  REQUIRE(pod.claims.size() == 1);
  CHECK(pod.claims[0].name == "cpus");
  CHECK(pod.claims[0].template_name == "six-cpus");
  CHECK(pod.claims[0].claim_name.empty());
  CHECK(pod.init_containers.empty());
  REQUIRE(pod.containers.size() == 1);
  CHECK(pod.containers[0].name == "app");
  CHECK(pod.containers[0].env.empty());
  CHECK(pod.containers[0].claims == std::vector<std::string>{"cpus"});
  CHECK(ResolvedClaimName(pod, pod.claims[0]) == "pinned-grouped-cpus");
}

TEST_CASE("individual.yaml: count stays a number, constraints kept", "[manifests]") {
  Manifests m = ParseOk(ReadExample("individual.yaml"));
  REQUIRE(m.templates.size() == 1);
  const ClaimSpecManifest& t = m.templates[0];
  CHECK(t.name == "four-cpus-one-numa");
  const value& exactly = t.spec.at("devices").at("requests").at(0).at("exactly");
  REQUIRE(exactly.at("count").is_integer());
  CHECK(exactly.at("count").as_integer() == 4);
  CHECK(exactly.at("allocationMode").as_string() == "ExactCount");
  const value& constraint = t.spec.at("devices").at("constraints").at(0);
  CHECK(constraint.at("requests").at(0).as_string() == "cpus");
  CHECK(constraint.at("matchAttribute").as_string() == "resource.kubernetes.io/numaNode");

  REQUIRE(m.pods.size() == 1);
  CHECK(m.pods[0].name == "pinned-individual");
  REQUIRE(m.pods[0].claims.size() == 1);
  CHECK(m.pods[0].claims[0].template_name == "four-cpus-one-numa");
  REQUIRE(m.pods[0].containers.size() == 1);
  CHECK(m.pods[0].containers[0].claims == std::vector<std::string>{"cpus"});
}

TEST_CASE("two-containers.yaml: one template, two claims, each container its own", "[manifests]") {
  Manifests m = ParseOk(ReadExample("two-containers.yaml"));
  REQUIRE(m.templates.size() == 1);
  CHECK(m.templates[0].name == "two-cpus");
  CHECK(m.templates[0]
            .spec.at("devices")
            .at("requests")
            .at(0)
            .at("exactly")
            .at("capacity")
            .at("requests")
            .at("dra.cpu/cpu")
            .as_string() == "2");
  REQUIRE(m.pods.size() == 1);
  const PodManifest& pod = m.pods[0];
  CHECK(pod.name == "pinned-pair");
  REQUIRE(pod.claims.size() == 2);
  CHECK(pod.claims[0].name == "server-cpus");
  CHECK(pod.claims[1].name == "sidecar-cpus");
  CHECK(pod.claims[0].template_name == "two-cpus");
  CHECK(pod.claims[1].template_name == "two-cpus");
  REQUIRE(pod.containers.size() == 2);
  CHECK(pod.containers[0].name == "server");
  CHECK(pod.containers[0].claims == std::vector<std::string>{"server-cpus"});
  CHECK(pod.containers[1].name == "sidecar");
  CHECK(pod.containers[1].claims == std::vector<std::string>{"sidecar-cpus"});

  // Two claims from one template: two distinct ResourceClaims with the same spec.
  auto a = ClaimFromTemplate(m, pod, pod.claims[0]);
  auto b = ClaimFromTemplate(m, pod, pod.claims[1]);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->at("metadata").at("name").as_string() == "pinned-pair-server-cpus");
  CHECK(b->at("metadata").at("name").as_string() == "pinned-pair-sidecar-cpus");
  CHECK(a->at("spec") == b->at("spec"));
}

TEST_CASE("deviceclass.yaml: a class, a named claim, a pod using the claim", "[manifests]") {
  Manifests m = ParseOk(ReadExample("deviceclass.yaml"));
  REQUIRE(m.device_classes.size() == 1);
  const value& dc = m.device_classes[0];
  CHECK(dc.at("kind").as_string() == "DeviceClass");
  CHECK(dc.at("metadata").at("name").as_string() == "dra.cpu.p-core");
  const value& selectors = dc.at("spec").at("selectors");
  REQUIRE(selectors.size() == 2);
  CHECK(selectors.at(0).at("cel").at("expression").as_string() == "device.driver == \"dra.cpu\"");
  // A folded block scalar: one line, no trailing newline (>-).
  CHECK(selectors.at(1).at("cel").at("expression").as_string() ==
        "has(device.attributes[\"dra.cpu\"].coreType) && "
        "device.attributes[\"dra.cpu\"].coreType == \"p-core\"");

  CHECK(m.templates.empty());
  REQUIRE(m.claims.size() == 1);
  CHECK(m.claims[0].name == "two-p-cores");
  const value& exactly = m.claims[0].spec.at("devices").at("requests").at(0).at("exactly");
  CHECK(exactly.at("deviceClassName").as_string() == "dra.cpu.p-core");
  CHECK(exactly.at("count").as_integer() == 2);

  REQUIRE(m.pods.size() == 1);
  const PodManifest& pod = m.pods[0];
  CHECK(pod.name == "pinned-p-cores");
  REQUIRE(pod.claims.size() == 1);
  CHECK(pod.claims[0].claim_name == "two-p-cores");
  CHECK(pod.claims[0].template_name.empty());
  CHECK(ResolvedClaimName(pod, pod.claims[0]) == "two-p-cores");
  auto from_template = ClaimFromTemplate(m, pod, pod.claims[0]);
  REQUIRE_FALSE(from_template.ok());
  CHECK(from_template.status().IsInvalidArgument());
}

TEST_CASE("all examples merge into one set without clashes", "[manifests]") {
  Manifests all;
  for (const char* name :
       {"deviceclass.yaml", "grouped.yaml", "individual.yaml", "two-containers.yaml"}) {
    INFO(name);
    Status s = MergeManifests(&all, ParseOk(ReadExample(name)));
    REQUIRE(s.ok());
  }
  CHECK(all.pods.size() == 4);
  CHECK(all.templates.size() == 3);
  CHECK(all.claims.size() == 1);
  CHECK(all.device_classes.size() == 1);
  // Every template-backed pod claim resolves against the merged set.
  for (const PodManifest& pod : all.pods) {
    for (const PodClaimManifest& c : pod.claims) {
      if (c.template_name.empty()) continue;
      CHECK(ClaimFromTemplate(all, pod, c).ok());
    }
  }

  // Merging a file twice clashes and leaves the target unchanged.
  Status again = MergeManifests(&all, ParseOk(ReadExample("grouped.yaml")));
  CHECK(again.code() == Status::Code::kAlreadyExists);
  CHECK(Contains(again.message(), "six-cpus"));
  CHECK(all.pods.size() == 4);
  CHECK(all.templates.size() == 3);
}

TEST_CASE("ClaimFromTemplate builds the ResourceClaim the controller would", "[manifests]") {
  Manifests m = ParseOk(ReadExample("grouped.yaml"));
  const PodManifest& pod = m.pods[0];
  auto claim = ClaimFromTemplate(m, pod, pod.claims[0]);
  REQUIRE(claim.ok());
  CHECK(claim->at("apiVersion").as_string() == "resource.k8s.io/v1");
  CHECK(claim->at("kind").as_string() == "ResourceClaim");
  CHECK(claim->at("metadata").at("name").as_string() == "pinned-grouped-cpus");
  CHECK(claim->at("metadata").at("namespace").as_string() == "default");
  CHECK(claim->at("metadata")
            .at("annotations")
            .at("resource.kubernetes.io/pod-claim-name")
            .as_string() == "cpus");
  CHECK(claim->at("spec") == m.templates[0].spec);
  CHECK(claim->at("spec").serialize() ==
        R"({"devices":{"requests":[{"name":"cpus","exactly":{"deviceClassName":"dra.cpu",)"
        R"("capacity":{"requests":{"dra.cpu/cpu":"6"}}}}]}})");

  // The template is looked up in the pod's namespace.
  PodManifest elsewhere = pod;
  elsewhere.ns = "other";
  auto missing = ClaimFromTemplate(m, elsewhere, elsewhere.claims[0]);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().IsNotFound());
  Manifests empty;
  CHECK(ClaimFromTemplate(empty, pod, pod.claims[0]).status().IsNotFound());
}

constexpr char kPodHead[] = R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: team
spec:
)";

TEST_CASE("pod details: namespace, init containers, env, valueFrom noted", "[manifests]") {
  Manifests m = ParseOk(std::string(kPodHead) + R"(  resourceClaims:
    - name: a
      resourceClaimName: shared
  initContainers:
    - name: init
      resources:
        claims: [{name: a}]
  containers:
    - name: main
      env:
        - name: MODE
          value: fast
        - name: EMPTY
        - name: SECRET
          valueFrom:
            secretKeyRef: {name: s, key: k}
        - name: PORT
          value: "8080"
    - name: plain
)");
  REQUIRE(m.pods.size() == 1);
  const PodManifest& pod = m.pods[0];
  CHECK(pod.ns == "team");
  REQUIRE(pod.init_containers.size() == 1);
  CHECK(pod.init_containers[0].name == "init");
  CHECK(pod.init_containers[0].claims == std::vector<std::string>{"a"});
  REQUIRE(pod.containers.size() == 2);
  CHECK(pod.containers[0].env == std::vector<std::string>{"MODE=fast", "EMPTY=", "PORT=8080"});
  CHECK(pod.containers[0].claims.empty());
  CHECK(pod.containers[1].name == "plain");
  REQUIRE(m.ignored.size() == 1);
  CHECK(m.ignored[0] == "Pod/p: container main env SECRET: valueFrom not supported");
}

TEST_CASE("unknown kinds are listed in ignored, not errors", "[manifests]") {
  Manifests m = ParseOk(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: b}
)");
  CHECK(m.pods.empty());
  CHECK(m.ignored == std::vector<std::string>{"Deployment/web: kind not understood",
                                              "ConfigMap/cfg: kind not understood"});
  CHECK(ParseOk("").pods.empty());
  CHECK(ParseOk("# nothing\n---\n").ignored.empty());
}

TEST_CASE("bad manifests give clear errors", "[manifests]") {
  const std::string pod_tail = "  containers: [{name: c}]\n";
  struct Case {
    std::string text;
    Status::Code code;
    std::string message;
  };
  const Case cases[] = {
      {"kind: Pod\nmetadata: [\n", Status::Code::kInvalidArgument, "malformed YAML"},
      {"- a\n- b\n", Status::Code::kInvalidArgument, "document 1: not a map"},
      {"kind: Pod\nmetadata: {name: x}\n", Status::Code::kInvalidArgument,
       "apiVersion or kind missing"},
      {"apiVersion: v1\nkind: Pod\nspec:\n" + pod_tail, Status::Code::kInvalidArgument,
       "Pod/<no name>): metadata.name missing"},
      {"apiVersion: resource.k8s.io/v1beta1\nkind: ResourceClaim\nmetadata: {name: c}\nspec: {}\n",
       Status::Code::kInvalidArgument, "apiVersion resource.k8s.io/v1beta1 not supported"},
      {std::string(kPodHead) + "  containers: []\n", Status::Code::kInvalidArgument,
       "spec.containers is empty"},
      {std::string(kPodHead) + "  containers:\n    - name: c\n      resources:\n        claims: "
                               "[{name: nosuch}]\n",
       Status::Code::kInvalidArgument, "uses claim \"nosuch\" that spec.resourceClaims does not"},
      {std::string(kPodHead) + "  resourceClaims: [{name: a}]\n" + pod_tail,
       Status::Code::kInvalidArgument, "resourceClaims a: needs exactly one of"},
      {std::string(kPodHead) +
           "  resourceClaims: [{name: a, resourceClaimName: x, resourceClaimTemplateName: y}]\n" +
           pod_tail,
       Status::Code::kInvalidArgument, "resourceClaims a: needs exactly one of"},
      {std::string(kPodHead) + "  resourceClaims: [{resourceClaimName: x}]\n" + pod_tail,
       Status::Code::kInvalidArgument, "has no name"},
      {std::string(kPodHead) +
           "  resourceClaims: [{name: a, resourceClaimName: x}, {name: a, resourceClaimName: "
           "y}]\n" +
           pod_tail,
       Status::Code::kAlreadyExists, "two spec.resourceClaims named a"},
      {std::string(kPodHead) + "  initContainers: [{name: c}]\n" + pod_tail,
       Status::Code::kAlreadyExists, "two containers named c"},
      {std::string(kPodHead) + "  containers: [{image: busybox}]\n", Status::Code::kInvalidArgument,
       "a container has no name"},
      {std::string(kPodHead) + "  containers: {name: c}\n", Status::Code::kInvalidArgument,
       "containers is not a list"},
      {std::string(kPodHead) + pod_tail + "---\n" + kPodHead + pod_tail,
       Status::Code::kAlreadyExists, "Pod team/p defined twice"},
      {"apiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {name: t}\n"
       "spec: {devices: {}}\n",
       Status::Code::kInvalidArgument, "spec.spec missing"},
      {"apiVersion: resource.k8s.io/v1\nkind: ResourceClaim\nmetadata: {name: c}\n",
       Status::Code::kInvalidArgument, "ResourceClaim/c): spec missing"},
      {"apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: d}\n---\n"
       "apiVersion: resource.k8s.io/v1\nkind: DeviceClass\nmetadata: {name: d}\n",
       Status::Code::kAlreadyExists, "DeviceClass d defined twice"},
      // kubectl refuses an unquoted number where the API wants a string, and so does this.
      {std::string(kPodHead) + "  containers: [{name: c, env: [{name: PORT, value: 8080}]}]\n",
       Status::Code::kInvalidArgument, "container c env: value is not a string"},
      {"apiVersion: v1\nkind: Pod\nmetadata: {name: 5}\nspec:\n" + pod_tail,
       Status::Code::kInvalidArgument, "metadata: name is not a string"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Status s = ParseError(c.text);
    INFO(s.ToString());
    CHECK(s.code() == c.code);
    CHECK(Contains(s.message(), c.message));
  }
}

TEST_CASE("same names in different namespaces or kinds do not clash", "[manifests]") {
  Manifests m = ParseOk(R"(apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: x, namespace: a}
spec: {devices: {}}
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: x, namespace: b}
spec: {devices: {}}
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaimTemplate
metadata: {name: x, namespace: a}
spec: {spec: {devices: {}}}
)");
  CHECK(m.claims.size() == 2);
  CHECK(m.templates.size() == 1);
}

}  // namespace
}  // namespace dracpu::e2e
