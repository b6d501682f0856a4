// Issue #6 scenarios 6 and 7 through the whole node: the driver, the nri-plugin and the runtime
// going away and coming back (a crash or a clean stop) while containers live, and a reboot.
// design.md §5: the state file and the CDI folder are the checkpoint; after every restart
// each container ends with the right cpuset and no two claim containers share a CPU.

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "common/cpuset.h"
#include "common/testing/temp_dir.h"
#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/scenario_checkpoint.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

const char kPods[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: pair, namespace: default}
spec:
  resourceClaims:
  - {name: a, resourceClaimTemplateName: two}
  - {name: b, resourceClaimTemplateName: two}
  containers:
  - name: server
    resources: {claims: [{name: a}]}
  - name: sidecar
    resources: {claims: [{name: b}]}
)";

constexpr int kBatchClaims = 6;

std::string Yaml() {
  return GroupedTemplate("two", 2) + SharedPodYaml("web") +
         ClaimPodYaml("mixed", "two", "worker", "logger") + "---\n" + kPods +
         ClaimPodYaml("late", "two") + SharedPodYaml("late-web") +
         ManyClaimsPodYaml("batch", "two", kBatchClaims);
}

// A started node running web (shared), mixed (a claim container and a shared one) and pair
// (two claim containers), with its invariants checked: where the restart scenarios begin.
struct PopulatedNode {
  std::unique_ptr<WholeNode> node = StartNode();
  PodRun web, mixed, pair;

  PopulatedNode() {
    ApplyYaml(*node, Yaml());
    web = Run(*node, "web");
    mixed = Run(*node, "mixed");
    pair = Run(*node, "pair");
    REQUIRE(pair.ok());
    RequireInvariants(*node);
  }
};

// Container id -> cpus of the claim containers (those given a claim) of the running pods.
std::map<std::string, std::string> ClaimContainerCpus(WholeNode& node) {
  std::map<std::string, std::string> cpus;
  for (const auto& [name, pod] : node.pods()) {
    for (const ContainerRun& c : pod.containers) {
      if (!c.id.empty() && !c.claim_uids.empty()) cpus[c.id] = node.CpusOf(c.id);
    }
  }
  return cpus;
}

// Every container of `pod` exists, holds its claim's CPUs from the state file (when it has a
// claim) and has the expected number of them.
void RequireClaimContainersPinned(WholeNode& node, const PodRun& pod) {
  INFO("pod " << pod.name);
  REQUIRE(pod.ok());
  for (const ContainerRun& c : pod.containers) {
    if (c.claim_uids.empty()) continue;
    INFO("container " << c.name);
    CHECK(node.CpusOf(c.id) == ClaimCpus(node, c.claim_uids.at(0)));
    CHECK(CpuSet::Parse(node.CpusOf(c.id))->Size() == 2);
  }
}

// Scenario 6a: a batch of prepares (one pod with six claims, one kubelet call) is cut by a
// SIGKILL of the driver after `recorded` of its claims reached the state file. The claim GETs
// are made slow (the API server stand-in's latency fault) so that the kill lands between two
// claims of the batch.
void DriverKilledMidBatch(int recorded) {
  NodeOptions options;
  options.topology = "64amd64-4s2n4ca2co";
  auto node = StartNode(options);
  ApplyYaml(*node, Yaml());
  PodRun web = Run(*node, "web");
  PodRun mixed = Run(*node, "mixed");
  REQUIRE(web.ok());
  REQUIRE(mixed.ok());
  RequireInvariants(*node);
  const auto mixed_claim = StateClaims(*node);
  const std::string worker_cpus = mixed.container("worker")->cpus;

  standin::Faults slow;
  slow.latency = 500ms;
  slow.path_filter = "resourceclaims";
  node->cluster().api().SetFaults(slow);
  // The killer only reads the state file and signals the driver; the pod walk (the kubelet's
  // Prepare call) stays on this thread.
  std::atomic<bool> done{false}, killed{false};
  std::thread killer([&] {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      auto state = node->ReadState();
      if (state.ok() && state->claims_size() >= static_cast<int>(mixed_claim.size()) + recorded) {
        node->cluster().KillDriver();
        killed = true;
        return;
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  auto first = node->RunPod("batch");
  done = true;
  killer.join();
  REQUIRE(killed);
  REQUIRE(first.ok());
  INFO("first attempt: " << (first->claim_errors.empty() ? ""
                                                         : first->claim_errors.begin()->second));
  CHECK_FALSE(first->ok());
  CHECK(first->sandbox_id.empty());  // the kubelet never creates a pod whose prepare failed

  // What the killed driver left: some of the batch, not all of it. The state file counts a
  // claim from its Preparing entry on, so the kill lands anywhere in a claim's prepare: before
  // or after its CDI spec, before or after the Prepared entry.
  const auto checkpoint = StateClaims(*node);
  const size_t batch_recorded = checkpoint.size() - mixed_claim.size();
  INFO("left by the killed driver:" << Describe(checkpoint));
  REQUIRE(batch_recorded >= static_cast<size_t>(recorded));
  REQUIRE(batch_recorded < static_cast<size_t>(kBatchClaims));
  node->cluster().api().SetFaults({});

  Status restarted = node->StartDriver();
  INFO(restarted.ToString());
  REQUIRE(restarted.ok());
  // Start-up reconciliation: nothing half-done survives, a Prepared claim keeps its CPUs, a
  // Preparing one is promoted with them or dropped.
  RequireCheckpointConsistent(*node);
  const auto repaired = StateClaims(*node);
  INFO("after the restart:" << Describe(repaired));
  for (const auto& [uid, cpus] : checkpoint) {
    if (cpus.find(kNotPrepared) == std::string::npos) CHECK(repaired.count(uid) == 1);
  }
  for (const auto& [uid, cpus] : repaired) {
    REQUIRE(checkpoint.count(uid) == 1);
    const std::string& was = checkpoint.at(uid);
    CHECK((was == cpus || was == cpus + kNotPrepared));
  }
  CHECK(node->CpusOf(mixed.container("worker")->id) == worker_cpus);
  // The batch's prepared claims have no container yet: running shared containers may keep their
  // CPUs until the retry creates them (design.md §4, node_invariants.h rule 5), but no shared
  // container ever runs on the CPUs of a claim container.
  RequireInvariants(*node);
  for (const ContainerRun* shared :
       std::vector<const ContainerRun*>{&web.containers[0], mixed.container("logger")}) {
    INFO(shared->name << " runs on " << node->CpusOf(shared->id));
    CHECK_FALSE(CpuSet::Parse(node->CpusOf(shared->id))->Intersects(*CpuSet::Parse(worker_cpus)));
  }

  // The kubelet retries the pod: every claim prepared, those the driver had prepared with the
  // same CPUs, and the containers created now get their claims' CPUs.
  auto retried = node->RetryPod("batch");
  REQUIRE(retried.ok());
  REQUIRE(retried->ok());
  REQUIRE(retried->claims.size() == static_cast<size_t>(kBatchClaims));
  RequireClaimContainersPinned(*node, *retried);
  const auto after = StateClaims(*node);
  for (const auto& [uid, cpus] : repaired) {
    INFO("claim " << uid << " prepared before the kill");
    CHECK(after.at(uid) == cpus);
  }
  CHECK(after.size() == mixed_claim.size() + kBatchClaims);
  CHECK(node->CpusOf(mixed.container("worker")->id) == worker_cpus);
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);

  REQUIRE(node->DeletePod("batch").ok());
  RequireInvariants(*node);
  CHECK(StateClaims(*node) == mixed_claim);
  RequireCheckpointConsistent(*node);
}

TEST_CASE("scenario 6a: the driver killed in the middle of a batch of prepares",
          "[e2e][scenario6]") {
  SECTION("after the first claim of the batch") { DriverKilledMidBatch(1); }
  SECTION("after half of the batch") { DriverKilledMidBatch(kBatchClaims / 2); }
}

TEST_CASE("scenario 6a: a driver restart changes nothing for live containers", "[e2e][scenario6]") {
  bool crash = false;
  SECTION("SIGTERM") { crash = false; }
  SECTION("SIGKILL") { crash = true; }
  PopulatedNode populated;
  auto& node = populated.node;
  const PodRun &web = populated.web, &mixed = populated.mixed;
  const auto claims = StateClaims(*node);
  const auto pinned = ClaimContainerCpus(*node);
  const std::string shared = node->CpusOf(web.containers[0].id);

  REQUIRE(node->RestartDriver(crash).ok());
  RequireInvariants(*node);
  CHECK(StateClaims(*node) == claims);
  CHECK(ClaimContainerCpus(*node) == pinned);
  CHECK(node->CpusOf(web.containers[0].id) == shared);
  RequireCheckpointConsistent(*node);

  // The kubelet prepares the running pods' claims again after a driver restart: same answer.
  auto again = node->cluster().Prepare(mixed.claims);
  REQUIRE(again.ok());
  CHECK(again->at(mixed.claims[0].uid).ok());
  CHECK(StateClaims(*node) == claims);

  PodRun late = Run(*node, "late");
  RequireClaimContainersPinned(*node, late);
  RequireInvariants(*node);
  RequireCheckpointConsistent(*node);
}

// Scenarios 6b and 6c: the nri-plugin goes away; while it is away a shared container and a
// claim container start, a pod with two claims goes (the state changes both ways); then a
// plugin process starts from `binary` ("" = the same one) and Synchronizes.
void NriPluginAway(bool crash, const std::string& binary) {
  PopulatedNode populated;
  auto& node = populated.node;
  const PodRun &web = populated.web, &mixed = populated.mixed;
  const std::string worker_id = mixed.container("worker")->id;
  const std::string worker_cpus = node->CpusOf(worker_id);

  REQUIRE(node->StopNriPlugin(crash).ok());
  REQUIRE(node->DeletePod("pair").ok());
  PodRun late_web = Run(*node, "late-web");
  PodRun late = Run(*node, "late");
  REQUIRE(late_web.ok());
  REQUIRE(late.ok());
  // Nobody pinned or confined the containers created meanwhile: the plugin must repair them.
  CHECK(node->CpusOf(late.containers[0].id).empty());
  CHECK(node->CpusOf(late_web.containers[0].id).empty());
  CHECK_FALSE(node->Violations().empty());

  REQUIRE(node->StartNriPlugin(binary).ok());
  if (!binary.empty()) {  // the runtime talks to the process started from the new file
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink(
        "/proc/" + std::to_string(node->runtime().plugin_pid()) + "/exe", ec);
    CHECK(exe.string() == binary);
  }
  RequireInvariants(*node);
  CHECK(node->CpusOf(worker_id) == worker_cpus);
  RequireClaimContainersPinned(*node, late);
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  CHECK(node->CpusOf(late_web.containers[0].id) == pools->shared.ToString());
  CHECK(node->CpusOf(web.containers[0].id) == pools->shared.ToString());

  // The plugin works on after the restart: a claim container is pinned at creation.
  REQUIRE(node->DeletePod("late").ok());
  PodRun again = Run(*node, "pair");
  RequireClaimContainersPinned(*node, again);
  CHECK(again.containers[0].cpus == ClaimCpus(*node, again.containers[0].claim_uids[0]));
  RequireInvariants(*node);
}

TEST_CASE("scenario 6b: the nri-plugin restarts while containers live", "[e2e][scenario6]") {
  SECTION("SIGTERM") { NriPluginAway(false, ""); }
  SECTION("SIGKILL") { NriPluginAway(true, ""); }
}

TEST_CASE("scenario 6c: the nri-plugin is replaced by a fresh binary", "[e2e][scenario6]") {
  // dracpu-nri keeps no cache on disk (its view of the state file lives in memory only), so a
  // fresh process from another file is a new image with an empty cache.
  testing::TempDir dir("dracpu-nri-image");
  const std::string image = dir.Sub("dracpu-nri");
  std::filesystem::copy_file(std::string(DRACPU_BINARY_DIR) + "/nri-plugin/dracpu-nri", image);
  NriPluginAway(false, image);
}

TEST_CASE("scenario 6d: the runtime restarts and keeps its containers", "[e2e][scenario6]") {
  PopulatedNode populated;
  auto& node = populated.node;
  const auto pinned = ClaimContainerCpus(*node);
  const size_t containers = node->runtime().Containers().size();

  REQUIRE(node->RestartRuntime().ok());
  CHECK(node->runtime().Containers().size() == containers);
  RequireInvariants(*node);
  CHECK(ClaimContainerCpus(*node) == pinned);

  PodRun late = Run(*node, "late");
  RequireClaimContainersPinned(*node, late);
  RequireInvariants(*node);
  REQUIRE(node->DeletePod("pair").ok());
  RequireInvariants(*node);
}

TEST_CASE("scenario 7: a reboot drops stale state and the pods' claims are prepared again",
          "[e2e][scenario7]") {
  auto node = StartNode();
  ApplyYaml(*node, Yaml());
  std::map<std::string, PodRun> before;
  for (const char* pod : {"web", "mixed", "pair"}) {
    before[pod] = Run(*node, pod);
    REQUIRE(before[pod].ok());
  }
  RequireInvariants(*node);
  const auto old_claims = StateClaims(*node);
  REQUIRE(old_claims.size() == 3);

  const std::string boot_id = "99999999-8888-7777-6666-555555555555";
  REQUIRE(node->Reboot(boot_id).ok());
  const std::string log = node->cluster().driver().Log();
  INFO(log);
  CHECK(log.find("state file from another boot: dropping 3 claims") != std::string::npos);
  auto state = node->ReadState();
  REQUIRE(state.ok());
  CHECK(state->boot_id() == boot_id);
  CHECK(state->claims().empty());
  CHECK(CdiClaims(*node).empty());
  CHECK(node->runtime().Containers().empty());
  RequireInvariants(*node);

  // The kubelet brings the pods back with their UIDs; their claims (still allocated and
  // reserved for them) are prepared again.
  for (const auto& [name, old] : before) {
    auto again = node->RunPod(name, old.uid);
    REQUIRE(again.ok());
    RequireClaimContainersPinned(*node, *again);
    REQUIRE(again->claims.size() == old.claims.size());
    for (size_t i = 0; i < old.claims.size(); ++i) CHECK(again->claims[i].uid == old.claims[i].uid);
  }
  auto after = node->ReadState();
  REQUIRE(after.ok());
  CHECK(after->boot_id() == boot_id);
  std::set<std::string> uids;
  for (const auto& [uid, claim] : StateClaims(*node)) uids.insert(uid);
  std::set<std::string> old_uids;
  for (const auto& [uid, claim] : old_claims) old_uids.insert(uid);
  CHECK(uids == old_uids);
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);
}

}  // namespace
}  // namespace dracpu::e2e
