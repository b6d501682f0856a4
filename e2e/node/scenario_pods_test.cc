// Issue #6 scenarios 1, 3, 4 and 5 through the whole node: pods with claims, multi-container
// pods, a claim wanted by two containers or two pods, and a forged env var.

#include <fstream>
#include <sstream>

#include "common/cpuset.h"
#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {
namespace {

const char kPods[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: greedy, namespace: default}
spec:
  resourceClaims:
  - {name: cpus, resourceClaimTemplateName: three}
  containers:
  - name: first
    resources: {claims: [{name: cpus}]}
  - name: second
    resources: {claims: [{name: cpus}]}
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: shared-claim, namespace: default}
spec:
  devices:
    requests:
    - name: cpus
      exactly:
        deviceClassName: dra.cpu
        capacity: {requests: {dra.cpu/cpu: "2"}}
---
apiVersion: v1
kind: Pod
metadata: {name: owner, namespace: default}
spec:
  resourceClaims:
  - {name: cpus, resourceClaimName: shared-claim}
  containers:
  - name: app
    resources: {claims: [{name: cpus}]}
---
apiVersion: v1
kind: Pod
metadata: {name: intruder, namespace: default}
spec:
  resourceClaims:
  - {name: cpus, resourceClaimName: shared-claim}
  containers:
  - name: app
    resources: {claims: [{name: cpus}]}
)";

std::string Yaml() {
  return GroupedTemplate("three", 3) + SharedPodYaml("web") +
         ClaimPodYaml("mixed", "three", "worker", "logger") + "---\n" + kPods;
}

TEST_CASE("scenario 1: a claim's CPUs are exclusive and return to the shared pool",
          "[e2e][scenario1]") {
  auto node = StartNode();
  ApplyYaml(*node, Yaml());
  PodRun web = Run(*node, "web");
  REQUIRE(web.ok());
  const std::string shared_before = node->CpusOf(web.containers[0].id);

  PodRun mixed = Run(*node, "mixed");
  REQUIRE(mixed.ok());
  const ContainerRun& worker = *mixed.container("worker");
  CHECK(CpuSet::Parse(worker.cpus)->Size() == 3);
  CHECK(worker.cpus == ClaimCpus(*node, worker.claim_uids.at(0)));
  RequireInvariants(*node);
  // Nobody else sees the claim's CPUs.
  CHECK_FALSE(
      CpuSet::Parse(node->CpusOf(web.containers[0].id))->Intersects(*CpuSet::Parse(worker.cpus)));

  REQUIRE(node->DeletePod("mixed").ok());
  RequireInvariants(*node);
  CHECK(node->CpusOf(web.containers[0].id) == shared_before);
  CHECK(ClaimCpus(*node, worker.claim_uids.at(0)).empty());
}

TEST_CASE("scenario 3: a claim container next to a shared one, two containers, two claims",
          "[e2e][scenario3]") {
  auto node = StartNode();
  ApplyYaml(*node, Yaml());
  std::string two_containers;
  {
    std::ifstream in(std::string(DRACPU_SOURCE_DIR) + "/hack/examples/two-containers.yaml");
    std::stringstream text;
    text << in.rdbuf();
    two_containers = text.str();
  }
  ApplyYaml(*node, two_containers);

  PodRun mixed = Run(*node, "mixed");
  REQUIRE(mixed.ok());
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  CHECK(mixed.container("worker")->cpus ==
        ClaimCpus(*node, mixed.container("worker")->claim_uids[0]));
  CHECK(mixed.container("logger")->claim_uids.empty());
  CHECK(node->CpusOf(mixed.container("logger")->id) == pools->shared.ToString());

  PodRun pair = Run(*node, "pinned-pair");
  REQUIRE(pair.ok());
  const ContainerRun& server = *pair.container("server");
  const ContainerRun& sidecar = *pair.container("sidecar");
  CHECK(CpuSet::Parse(server.cpus)->Size() == 2);
  CHECK(CpuSet::Parse(sidecar.cpus)->Size() == 2);
  CHECK(server.claim_uids != sidecar.claim_uids);
  CHECK_FALSE(CpuSet::Parse(server.cpus)->Intersects(*CpuSet::Parse(sidecar.cpus)));
  RequireInvariants(*node);

  REQUIRE(node->DeletePod("pinned-pair").ok());
  REQUIRE(node->DeletePod("mixed").ok());
  RequireInvariants(*node);
  CHECK(node->ReadState()->claims().empty());
}

TEST_CASE("scenario 4: a claim serves one container, the second is refused clearly",
          "[e2e][scenario4]") {
  auto node = StartNode();
  ApplyYaml(*node, Yaml());

  SECTION("two containers of one pod") {
    PodRun greedy = Run(*node, "greedy");
    REQUIRE(greedy.claim_errors.empty());
    const ContainerRun& first = *greedy.container("first");
    const ContainerRun& second = *greedy.container("second");
    CHECK_FALSE(first.id.empty());
    CHECK(second.id.empty());
    INFO(second.error);
    CHECK(second.error.find(first.claim_uids[0]) != std::string::npos);
    RequireInvariants(*node);
  }
  SECTION("two pods") {
    PodRun owner = Run(*node, "owner");
    REQUIRE(owner.ok());
    PodRun intruder = Run(*node, "intruder");
    REQUIRE(intruder.claim_errors.empty());  // scheduled and prepared: the claim is shareable
    REQUIRE(intruder.containers.size() == 1);
    CHECK(intruder.containers[0].id.empty());
    INFO(intruder.containers[0].error);
    CHECK(intruder.containers[0].error.find(owner.claims[0].uid) != std::string::npos);
    RequireInvariants(*node);
    // The owner keeps its CPUs while the intruder goes; the claim stays prepared for the owner.
    REQUIRE(node->DeletePod("intruder").ok());
    CHECK(ClaimCpus(*node, owner.claims[0].uid) == owner.containers[0].cpus);
    REQUIRE(node->DeletePod("owner").ok());
    CHECK(ClaimCpus(*node, owner.claims[0].uid).empty());
  }
}

TEST_CASE("scenario 5: a pod that names someone else's claim in its env gets nothing",
          "[e2e][scenario5]") {
  auto node = StartNode();
  ApplyYaml(*node, Yaml());
  PodRun mixed = Run(*node, "mixed");
  REQUIRE(mixed.ok());
  const ContainerRun& worker = *mixed.container("worker");

  for (const std::string& env :
       {"DRA_CPUSET_" + worker.claim_uids[0] + "=" + worker.cpus,          // a copy of the real one
        "DRA_CPUSET_" + worker.claim_uids[0] + "=0-1",                     // a bigger wish
        std::string("DRA_CPUSET_00000000-0000-0000-0000-000000000000=1"),  // unknown claim
        std::string("DRA_CPUSET_=1"), std::string("DRA_CPUSET_x=garbage")}) {
    auto run = node->RunPod(PodWithEnv("thief", "steal", {env}));
    REQUIRE(run.ok());
    INFO(env);
    CHECK(run->containers[0].id.empty());
    CHECK_FALSE(run->containers[0].error.empty());
    REQUIRE(node->DeletePod("thief").ok());
  }
  CHECK(node->CpusOf(worker.id) == worker.cpus);
  RequireInvariants(*node);
}

}  // namespace
}  // namespace dracpu::e2e
