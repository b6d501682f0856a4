// Issue #6 scenario 11 through the whole node: recovery from what the kubelet's retries cover.
//   11a the driver is killed in the middle of the kubelet's batch unprepare of a pod;
//   11b the API server fails while the driver restarts and pods arrive meanwhile;
//   11c a prepare outlives the kubelet's call deadline (kubelet-dra.md §6.1: 45 s; short here).
//   11d the driver restarts during a full API server outage.
// After each: the state file and the CDI folder agree, no CPU is lost or held twice, and the
// node's invariants hold.

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/cpuset.h"
#include "common/file_lock.h"
#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/scenario_checkpoint.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kQuadClaims = 4;

std::string Yaml() {
  return GroupedTemplate("two", 2) + SharedPodYaml("web") + ClaimPodYaml("keeper", "two") +
         ManyClaimsPodYaml("quad", "two", kQuadClaims) + ClaimPodYaml("down", "two") +
         ClaimPodYaml("flaky", "two") + ClaimPodYaml("slow", "two");
}

std::string CdiSpecPath(WholeNode& node, const std::string& uid) {
  return node.cluster().cdi_dir() + "/dra.k8s.io-cpu_claim-" + uid + ".json";
}

bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// Whether process `pid` waits in /proc/locks for an exclusive flock on inode `ino`.
bool WaitsForWriteLock(pid_t pid, ino_t ino) {
  std::ifstream locks("/proc/locks");
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream fields(line);
    std::string id, arrow, type, advisory, mode, owner, dev_ino;
    fields >> id >> arrow;
    if (arrow != "->") continue;  // a granted lock, not a waiter
    fields >> type >> advisory >> mode >> owner >> dev_ino;
    const std::string suffix = ":" + std::to_string(ino);
    if (type == "FLOCK" && mode == "WRITE" && owner == std::to_string(pid) &&
        dev_ino.size() > suffix.size() &&
        dev_ino.compare(dev_ino.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

// The CPUs of every claim of `claims` in `state_claims` (StateClaims), united.
CpuSet UnionOf(const std::map<std::string, std::string>& state_claims,
               const std::vector<kubelet::ClaimRef>& claims) {
  CpuSet all;
  for (const kubelet::ClaimRef& c : claims) {
    auto cpus = CpuSet::Parse(state_claims.at(c.uid));
    REQUIRE(cpus.ok());
    all = all | *cpus;
  }
  return all;
}

// Deletes this node's ResourceSlices, as the kubelet does for a driver that has had no
// connected endpoint for 30 s, and at its own start (kubelet-dra.md §6.3).
void WipeSlices(WholeNode& node) {
  for (const auto& slice : node.cluster().Slices()) {
    const std::string name = slice.at("metadata").at("name").as_string();
    REQUIRE(node.cluster().api().store().Delete("resourceslices", "", name, "", "").ok());
  }
  REQUIRE(node.cluster().Slices().empty());
}

// How many times any driver process of this node prepared claim default/`name` afresh (not
// answered from its state file), over the logs of every start.
int FreshPrepares(WholeNode& node, const std::string& name) {
  namespace fs = std::filesystem;
  // After glog's "] " prefix, so that "unprepared claim ..." does not count.
  const std::string needle = "] prepared claim default/" + name + " ";
  int n = 0;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(node.cluster().root(), ec)) {
    const std::string file = entry.path().filename();
    if (file.rfind("driver-", 0) != 0 || entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(needle) != std::string::npos &&
          line.find("(already prepared)") == std::string::npos) {
        ++n;
      }
    }
  }
  return n;
}

// The pod runs, its one claim container pinned to the two CPUs its claim holds in the state.
void RequirePinned(WholeNode& node, const PodRun& run) {
  INFO("pod " << run.name << ": "
              << (run.claim_errors.empty() ? "" : run.claim_errors.begin()->second));
  REQUIRE(run.ok());
  const ContainerRun& app = *run.container("app");
  CHECK(node.CpusOf(app.id) == ClaimCpus(node, app.claim_uids.at(0)));
  CHECK(CpuSet::Parse(app.cpus)->Size() == 2);
}

// A node running "web" (a shared container) and "keeper" (one claim), its invariants
// checked and its published devices recorded: where 11a, 11b and 11d begin.
struct KeeperNode {
  explicit KeeperNode(NodeOptions options = {}) : node(StartNode(std::move(options))) {
    ApplyYaml(*node, Yaml());
    web = Run(*node, "web");
    keeper = Run(*node, "keeper");
    REQUIRE(web.ok());
    REQUIRE(keeper.ok());
    RequireInvariants(*node);
    devices = PublishedDevices(*node);
    REQUIRE_FALSE(devices.empty());
  }

  std::unique_ptr<WholeNode> node;
  PodRun web, keeper;
  std::vector<std::string> devices;
};

// Scenario 11a. The test holds a shared lock on the state file while the kubelet sends the
// batch, so the driver stops at its first state write of the batch: /proc/locks shows it
// waiting for the exclusive lock, and then it is killed there. The driver unprepares claim by
// claim, removing the CDI spec before the state entry (claim_preparation.h), so at that point
// the first claim's spec is gone and its entry is not: a claim half-unprepared, the others
// untouched.
TEST_CASE("scenario 11a: the driver killed in the middle of a pod's batch unprepare",
          "[e2e][scenario11]") {
  NodeOptions options;
  options.topology = "64amd64-4s2n4ca2co";
  KeeperNode populated(options);
  auto& node = populated.node;
  const PodRun &web = populated.web, &keeper = populated.keeper;
  PodRun quad = Run(*node, "quad");
  REQUIRE(quad.ok());
  REQUIRE(quad.claims.size() == static_cast<size_t>(kQuadClaims));
  RequireInvariants(*node);
  RequireCheckpointConsistent(*node);
  const auto before = StateClaims(*node);
  const CpuSet quad_cpus = UnionOf(before, quad.claims);
  REQUIRE(quad_cpus.Size() == 2 * kQuadClaims);
  const std::string keeper_id = keeper.container("app")->id;
  const std::string keeper_cpus = node->CpusOf(keeper_id);

  const std::string lock_path = node->cluster().state_dir() + "/allocations.lock";
  struct stat lock_stat;
  REQUIRE(::stat(lock_path.c_str(), &lock_stat) == 0);
  auto held = FileLock::Acquire(lock_path, FileLock::Mode::kShared, false);
  REQUIRE(held.ok());
  std::optional<FileLock> lock(std::move(*held));

  // The killer only reads files and signals the driver (no Catch macros off the main thread);
  // the kubelet's unprepare (DeletePod) stays on this thread.
  const pid_t driver_pid = node->cluster().driver().pid();
  std::atomic<bool> killed{false};
  std::vector<std::string> gone_at_kill;
  std::thread killer([&] {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (WaitsForWriteLock(driver_pid, lock_stat.st_ino)) {
        node->cluster().KillDriver();
        killed = true;
        for (const kubelet::ClaimRef& c : quad.claims) {
          if (!Exists(CdiSpecPath(*node, c.uid))) gone_at_kill.push_back(c.uid);
        }
        break;
      }
      std::this_thread::sleep_for(2ms);
    }
    lock.reset();
  });
  Status first = node->DeletePod("quad");
  killer.join();
  REQUIRE(killed);
  INFO("first unprepare: " << first.ToString());
  CHECK_FALSE(first.ok());
  REQUIRE(node->pods().count("quad") == 1);
  CHECK(node->pods().at("quad").terminating);
  CHECK(node->pods().at("quad").claims.size() == static_cast<size_t>(kQuadClaims));

  // What the killed driver left: no state write (the lock saw to that), at most the first
  // claim's spec removed. Those CPUs stay exclusive, so nothing may run on them meanwhile, and
  // the invariants hold.
  INFO("specs gone at the kill: " << gone_at_kill.size());
  CHECK(gone_at_kill.size() <= 1);
  CHECK(StateClaims(*node) == before);
  CHECK(CdiClaims(*node).size() == before.size() - gone_at_kill.size());
  RequireInvariants(*node);

  // The restart repairs the checkpoint: a Prepared claim without its spec gets it back with
  // the same CPUs (the kubelet has not finished with it: it will send the unprepare again).
  Status restarted = node->StartDriver();
  INFO(restarted.ToString());
  REQUIRE(restarted.ok());
  RequireCheckpointConsistent(*node);
  CHECK(StateClaims(*node) == before);
  CHECK(node->CpusOf(keeper_id) == keeper_cpus);
  RequireInvariants(*node);

  // The kubelet's retry: the same batch, once more, in one call.
  Status retried = node->DeletePod("quad");
  INFO(retried.ToString());
  REQUIRE(retried.ok());
  CHECK(node->pods().count("quad") == 0);
  auto after = StateClaims(*node);
  CHECK(after.size() == 1);
  CHECK(after == std::map<std::string, std::string>{
                     {keeper.claims[0].uid, before.at(keeper.claims[0].uid)}});
  RequireCheckpointConsistent(*node);
  for (const kubelet::ClaimRef& c : quad.claims) {
    INFO("claim " << c.name);
    CHECK_FALSE(Exists(CdiSpecPath(*node, c.uid)));
    CHECK_FALSE(node->cluster().api().store().Get("resourceclaims", c.namespace_, c.name).ok());
  }

  // No CPU lost: every CPU of the quad claims is back in the shared pool, the shared
  // container grows onto it, and no claim container holds any of them.
  auto grown = node->WaitForSharedPool(kSettle);
  INFO((grown.ok() ? std::string() : grown.status().ToString()));
  REQUIRE(grown.ok());
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  CHECK(quad_cpus.IsSubsetOf(pools->shared));
  CHECK((pools->shared | *CpuSet::Parse(keeper_cpus) | pools->reserved) == pools->online);
  CHECK(node->CpusOf(web.containers[0].id) == pools->shared.ToString());
  for (const standin::ContainerView& c : node->runtime().Containers()) {
    bool claim = false;
    for (const std::string& e : c.env) claim = claim || e.rfind("DRA_CPUSET_", 0) == 0;
    if (!claim) continue;
    INFO("claim container " << c.name << " on " << c.cpus);
    CHECK_FALSE(CpuSet::Parse(c.cpus)->Intersects(quad_cpus));
  }
  CHECK(node->CpusOf(keeper_id) == keeper_cpus);
  RequireInvariants(*node);

  // The CPUs are usable again: the same pod runs once more.
  PodRun again = Run(*node, "quad");
  REQUIRE(again.ok());
  RequireInvariants(*node);
  RequireCheckpointConsistent(*node);
}

// Scenario 11b. The window: the driver crashes, every API request fails, the watches drop and
// the kubelet wipes the node's slices; a pod arrives (its prepare finds no driver). The driver
// starts again under sparser faults, then the API server fails outright once more while
// another pod arrives (its claim GET fails past the driver's budget) and the slices are wiped
// again. When the faults clear, the slices are back as they were and the kubelet's retries
// prepare both pods, each claim exactly once, on CPUs nobody else holds.
TEST_CASE("scenario 11b: API server faults across a driver restart, pods meanwhile wait",
          "[e2e][scenario11]") {
  KeeperNode populated;
  auto& node = populated.node;
  const PodRun& keeper = populated.keeper;
  const std::vector<std::string>& devices = populated.devices;
  standin::ApiServerStandin& api = node->cluster().api();
  const size_t slice_count = node->cluster().Slices().size();
  const std::string keeper_id = keeper.container("app")->id;
  const std::string keeper_cpus = node->CpusOf(keeper_id);

  standin::Faults failing;
  failing.fail_always = true;
  REQUIRE(node->StopDriver(/*crash=*/true).ok());
  api.SetFaults(failing);
  api.DropWatches();
  PodRun down = Run(*node, "down");
  REQUIRE(down.claims.size() == 1);
  CHECK_FALSE(down.ok());
  CHECK(down.sandbox_id.empty());
  WipeSlices(*node);
  RequireInvariants(*node);

  // A few failures and a slow server: the restarted driver rides them out (its API client
  // retries within its 10 s budget) and republishes what the kubelet wiped.
  standin::Faults sparse;
  sparse.fail_next = 4;
  sparse.latency = 100ms;
  api.SetFaults(sparse);
  Status restarted = node->StartDriver();
  INFO(restarted.ToString());
  REQUIRE(restarted.ok());
  CHECK(WaitForDevices(*node, devices, 30s));
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);

  api.SetFaults(failing);
  api.DropWatches();
  PodRun flaky = Run(*node, "flaky");  // the driver retries the claim GET for its 10 s budget
  REQUIRE(flaky.claims.size() == 1);
  CHECK_FALSE(flaky.ok());
  CHECK(flaky.sandbox_id.empty());
  {
    INFO((flaky.claim_errors.empty() ? "" : flaky.claim_errors.begin()->second));
    REQUIRE(flaky.claim_errors.size() == 1);
    CHECK(flaky.claim_errors.begin()->second.find("reading the ResourceClaim") !=
          std::string::npos);
  }
  CHECK(ClaimCpus(*node, flaky.claims[0].uid).empty());
  CHECK_FALSE(Exists(CdiSpecPath(*node, flaky.claims[0].uid)));
  WipeSlices(*node);
  RequireInvariants(*node);

  api.SetFaults(standin::Faults());
  INFO("driver log: " << node->cluster().driver().log_path());
  CHECK(WaitForDevices(*node, devices, 30s));
  CHECK(node->cluster().Slices().size() == slice_count);
  for (const auto& slice : node->cluster().Slices()) {
    CHECK(slice.at("spec").at("driver").as_string() == "dra.cpu");
    CHECK(slice.at("spec").at("nodeName").as_string() == node->options().node_name);
  }

  auto down_again = node->RetryPod("down");
  auto flaky_again = node->RetryPod("flaky");
  REQUIRE(down_again.ok());
  REQUIRE(flaky_again.ok());
  RequirePinned(*node, *down_again);
  RequirePinned(*node, *flaky_again);
  CHECK(down_again->claims == down.claims);  // the same claims, not new ones
  CHECK(flaky_again->claims == flaky.claims);
  CHECK(FreshPrepares(*node, "down-cpus") == 1);
  CHECK(FreshPrepares(*node, "flaky-cpus") == 1);
  CHECK(FreshPrepares(*node, "keeper-cpus") == 1);
  CHECK(node->CpusOf(keeper_id) == keeper_cpus);
  const auto claims = StateClaims(*node);
  CHECK(claims.size() == 3);
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);

  REQUIRE(node->DeletePod("down").ok());
  REQUIRE(node->DeletePod("flaky").ok());
  CHECK(StateClaims(*node) == std::map<std::string, std::string>{
                                  {keeper.claims[0].uid, claims.at(keeper.claims[0].uid)}});
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);
}

// Scenario 11c. The kubelet gives up on a call after its deadline (45 s; 2.5 s here) while the
// driver, which does not abandon a prepare it started, is still waiting for a slow API server
// (6 s per claim GET, inside the driver's own 10 s budget). One attempt per call: the kubelet's
// retry is its next pod sync (RetryPod, or DeletePod again).
constexpr auto kShortDeadline = 2500ms;
constexpr auto kSlowApi = 6s;

TEST_CASE("scenario 11c: a prepare past the kubelet's deadline, then the kubelet's retry",
          "[e2e][scenario11]") {
  NodeOptions options;
  options.kubelet_call_timeout = kShortDeadline;
  options.kubelet_attempts = 1;
  auto node = StartNode(options);
  ApplyYaml(*node, Yaml());
  PodRun web = Run(*node, "web");
  REQUIRE(web.ok());
  RequireInvariants(*node);
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  const std::string shared = pools->shared.ToString();

  standin::Faults slow;
  slow.latency = kSlowApi;
  slow.path_filter = "/resourceclaims";
  node->cluster().api().SetFaults(slow);
  const auto start = std::chrono::steady_clock::now();
  PodRun first = Run(*node, "slow");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(first.claims.size() == 1);
  const std::string uid = first.claims[0].uid;
  {
    INFO((first.claim_errors.empty() ? "" : first.claim_errors.begin()->second));
    REQUIRE(first.claim_errors.count("*") == 1);
    CHECK(first.claim_errors.at("*").find("DeadlineExceeded") != std::string::npos);
  }
  CHECK(first.sandbox_id.empty());
  CHECK(took < kSlowApi);  // the kubelet's deadline ended the call, not the driver's answer

  SECTION("the kubelet retries the pod") {
    // The driver finishes the prepare the kubelet gave up on.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (ClaimCpus(*node, uid).empty() ||
           StateClaims(*node).at(uid).find(kNotPrepared) != std::string::npos) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(20ms);
    }
    const std::string cpus = ClaimCpus(*node, uid);
    RequireCheckpointConsistent(*node);
    RequireInvariants(*node);

    // The retry is answered from the checkpoint: the same CPUs and no second GET of the claim,
    // so it fits the deadline although the API server is as slow as before.
    auto retried = node->RetryPod("slow");
    REQUIRE(retried.ok());
    RequirePinned(*node, *retried);
    CHECK(retried->claims == first.claims);
    CHECK(retried->containers[0].cpus == cpus);
    CHECK(ClaimCpus(*node, uid) == cpus);
    CHECK(ClaimGets(*node, "slow-cpus") == 1);
    CHECK(FreshPrepares(*node, "slow-cpus") == 1);
    auto view = node->runtime().GetContainer(retried->containers[0].id);
    REQUIRE(view.ok());
    CHECK(std::count(view->env.begin(), view->env.end(), "DRA_CPUSET_" + uid + "=" + cpus) == 1);
    // The kubelet after its own restart prepares once more: the same CDI device.
    auto again = node->cluster().Prepare(retried->claims);
    REQUIRE(again.ok());
    REQUIRE(again->at(uid).ok());
    REQUIRE(again->at(uid).devices.size() == 1);
    CHECK(again->at(uid).devices[0].cdi_device_ids ==
          std::vector<std::string>{"dra.k8s.io/cpu=claim-" + uid});
    CHECK(ClaimCpus(*node, uid) == cpus);
    // Nothing half-done is left: every claim of the state file is Prepared with its spec.
    RequireCheckpointConsistent(*node);
    RequireInvariants(*node);

    node->cluster().api().SetFaults(standin::Faults());
    REQUIRE(node->DeletePod("slow").ok());
  }

  SECTION("the pod is deleted instead, while the driver still prepares") {
    // The kubelet's unprepare waits behind the slow prepare (the driver runs one call at a
    // time), so it may miss the deadline as well; the kubelet sends it again until it succeeds.
    Status deleted;
    for (int attempt = 0; attempt < 20; ++attempt) {
      deleted = node->DeletePod("slow");
      if (deleted.ok()) break;
      CHECK(deleted.ToString().find("DeadlineExceeded") != std::string::npos);
    }
    INFO(deleted.ToString());
    REQUIRE(deleted.ok());
    // The unprepare that succeeded ran after the late prepare: the claim is gone for good.
    CHECK(ClaimGets(*node, "slow-cpus") == 1);
    CHECK(FreshPrepares(*node, "slow-cpus") == 1);
  }

  // Either way: no claim left, no spec, every CPU back in the shared pool.
  CHECK(StateClaims(*node).empty());
  CHECK(CdiClaims(*node).empty());
  auto grown = node->WaitForSharedPool(kSettle);
  INFO((grown.ok() ? std::string() : grown.status().ToString()));
  REQUIRE(grown.ok());
  CHECK(node->CpusOf(web.containers[0].id) == shared);
  RequireInvariants(*node);
}

// Scenario 11d. The driver restarts while the API server answers nothing but 500s. Unprepare
// needs no API call (the state file and the CDI folder hold everything, kubelet-dra.md §6.2),
// so the driver must register and let the kubelet finish terminating pods during the outage;
// a prepare meanwhile fails cleanly, and once the API server is back the slices are published
// and the kubelet's retry prepares the pod.
TEST_CASE("scenario 11d: a driver restarted during an API server outage still unprepares",
          "[e2e][scenario11]") {
  KeeperNode populated;
  auto& node = populated.node;
  const PodRun &web = populated.web, &keeper = populated.keeper;
  const std::vector<std::string>& devices = populated.devices;
  standin::ApiServerStandin& api = node->cluster().api();
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  const std::string shared_before =
      (pools->shared | *CpuSet::Parse(ClaimCpus(*node, keeper.claims[0].uid))).ToString();

  standin::Faults outage;
  outage.fail_always = true;
  REQUIRE(node->StopDriver(/*crash=*/true).ok());
  api.SetFaults(outage);
  api.DropWatches();
  Status started = node->StartDriver(/*until_ready=*/false);
  INFO(started.ToString());
  REQUIRE(started.ok());

  Status deleted = node->DeletePod("keeper");
  INFO(deleted.ToString());
  REQUIRE(deleted.ok());
  CHECK(StateClaims(*node).empty());
  CHECK(CdiClaims(*node).empty());
  auto grown = node->WaitForSharedPool(kSettle);
  REQUIRE(grown.ok());
  CHECK(node->CpusOf(web.containers[0].id) == shared_before);
  RequireInvariants(*node);

  PodRun flaky = Run(*node, "flaky");
  REQUIRE(flaky.claims.size() == 1);
  CHECK_FALSE(flaky.ok());
  CHECK(flaky.sandbox_id.empty());
  CHECK(StateClaims(*node).empty());
  CHECK(CdiClaims(*node).empty());

  api.SetFaults(standin::Faults());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (true) {
    auto health = node->cluster().HttpGet("/healthz");
    if (health.ok() && health->first == 200) break;
    INFO("driver log: " << node->cluster().driver().log_path());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(50ms);
  }
  CHECK(WaitForDevices(*node, devices, 30s));
  auto again = node->RetryPod("flaky");
  REQUIRE(again.ok());
  RequirePinned(*node, *again);
  RequireCheckpointConsistent(*node);
  RequireInvariants(*node);
}

}  // namespace
}  // namespace dracpu::e2e
