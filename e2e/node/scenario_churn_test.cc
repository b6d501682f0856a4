// Issue #6 scenario 10 through the whole node: 200 pods with random claims created and deleted
// over time, in grouped and in individual mode. The churn itself and what it checks at every
// step are in e2e/node/churn.h (shared with bench/bench_churn.cc); the seed is printed and
// DRACPU_CHURN_SEED=<seed> replays a failure.

#include <stdlib.h>

#include <random>
#include <utility>
#include <vector>

#include "common/cpuset.h"
#include "e2e/node/churn.h"
#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {
namespace {

void Churn(const std::string& device_mode) {
  const ChurnMachine machine = ChurnMachineFor(device_mode);
  const uint64_t seed = ChurnSeed(std::random_device{}());
  WARN(device_mode << " churn on " << machine.topology << ", seed " << seed
                   << " (replay: DRACPU_CHURN_SEED=" << seed << ")");
  NodeOptions node_options;
  node_options.topology = machine.topology;
  node_options.device_mode = device_mode;
  auto node = StartNode(node_options);

  ChurnOptions options;
  options.seed = seed;
  options.group_cpus = machine.group_cpus;
  StatusOr<ChurnResult> result = RunChurn(*node, options);
  if (!result.ok()) {
    // The node's temporary root goes with it: keep both binaries' logs for the replay.
    char dir[] = "/tmp/dracpu-churn-logs-XXXXXX";
    INFO("logs kept: " << (mkdtemp(dir) != nullptr ? node->KeepLogs(dir) : "none"));
    FAIL(result.status().ToString());
  }
  WARN(device_mode << " churn: " << FormatChurn(*result));

  // Every pod went through; most ran (the node has room for max_alive typical pods), the rest
  // were refused cleanly (checked per step by the churn).
  CHECK(result->created + result->refused == options.pods);
  CHECK(result->deleted == options.pods);
  CHECK(result->created >= options.pods / 2);
  CHECK(result->claims_prepared > 0);
  CHECK(result->regrowth.size() > 0);
  // The node is back to where it started: nothing exclusive, invariants hold.
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  CHECK(pools->exclusive.Empty());
  RequireInvariants(*node);
}

TEST_CASE("scenario 10: churn of 200 pods in grouped mode", "[e2e][scenario10]") {
  Churn("grouped");
}

TEST_CASE("scenario 10: churn of 200 pods in individual mode", "[e2e][scenario10]") {
  Churn("individual");
}

// A pod whose containers each use one claim made from a template: {container, template}.
PodManifest ClaimPod(const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& uses) {
  PodManifest pod;
  pod.name = name;
  for (const auto& [container, template_name] : uses) {
    pod.claims.push_back({container + "-cpus", template_name, ""});
    pod.containers.push_back({container, {}, {container + "-cpus"}});
  }
  return pod;
}

// What the churn met (seed 483263150, individual mode): a pod with two claims whose second
// claim the driver refuses (it would empty the shared pool) after the first was prepared. The
// kubelet keeps the first prepared while the pod is Pending. On the default node (one NUMA node
// of 16 CPUs, CPU 0 reserved): "filler" takes 10, "pending" asks 4 + 1 of the last 5.
// Runs web, filler and pending; returns the CPUs of the claim of "pending" that was prepared.
std::string StrandClaim(WholeNode& node) {
  ApplyYaml(node, GroupedTemplate("ten", 10) + "---\n" + GroupedTemplate("four", 4) + "---\n" +
                      GroupedTemplate("one", 1));
  auto web = node.RunPod(PodWithEnv("web", "nginx", {}));
  REQUIRE((web.ok() && web->ok()));
  auto filler = node.RunPod(ClaimPod("filler", {{"app", "ten"}}));
  REQUIRE((filler.ok() && filler->ok()));
  RequireInvariants(node);
  auto run = node.RunPod(ClaimPod("pending", {{"app", "four"}, {"second", "one"}}));
  REQUIRE(run.ok());
  const PodRun& pending = *run;
  CHECK(pending.sandbox_id.empty());
  REQUIRE(pending.claim_errors.size() == 1);
  INFO(pending.claim_errors.begin()->second);
  CHECK(pending.claim_errors.begin()->second.find("shared pool empty") != std::string::npos);
  std::string held;
  for (const kubelet::ClaimRef& ref : pending.claims) held += ClaimCpus(node, ref.uid);
  REQUIRE_FALSE(held.empty());
  return held;
}

TEST_CASE("scenario 10: a claim prepared for a pod that never starts goes when the pod goes",
          "[e2e][scenario10]") {
  auto node = StartNode();
  const std::string held = StrandClaim(*node);
  // No claim container has those CPUs; deleting the Pending pod unprepares the claim.
  const ContainerRun& filler = node->pods().at("filler").containers.at(0);
  CHECK_FALSE(CpuSet::Parse(node->CpusOf(filler.id))->Intersects(*CpuSet::Parse(held)));
  REQUIRE(node->DeletePod("pending").ok());
  CHECK(node->ReadState()->claims().size() == 1);
  RequireInvariants(*node);
}

// design.md §4: running shared containers leave a prepared claim's CPUs in the CreateContainer
// response of that claim's container, which for a Pending pod never comes; new shared
// containers get the shrunk pool at once, and no claim container is ever on those CPUs.
TEST_CASE("scenario 10: while a claim's pod waits, only old shared containers keep its CPUs",
          "[e2e][scenario10]") {
  auto node = StartNode();
  const CpuSet held = *CpuSet::Parse(StrandClaim(*node));
  RequireInvariants(*node);
  auto late = node->RunPod(PodWithEnv("late", "nginx", {}));
  REQUIRE((late.ok() && late->ok()));
  const CpuSet late_cpus = *CpuSet::Parse(late->containers.at(0).cpus);
  CHECK_FALSE(late_cpus.Intersects(held));
  CHECK(late_cpus.ToString() == node->Pools()->shared.ToString());
  RequireInvariants(*node);
}

}  // namespace
}  // namespace dracpu::e2e
