// Issue #6 scenario 8 through the whole node: API server faults while claims are prepared.
//
// The driver reads each claim with one GET (driver/app/claim_preparation.h) under the kube
// client's contract (driver/kube/kube_client.h): 429/5xx/connection errors are retried with
// backoff (100 ms doubling to 5 s, jittered) inside a 10 s deadline per call
// (KubeClient::Options::timeout); past it the claim fails with the last error. The kubelet
// stand-in does not retry a per-claim error (as the kubelet: the pod stays ContainerCreating and
// the next sync prepares again), so one RunPod is one prepare. The fault sizes follow:
//   - 3 failures fit easily in the budget (attempts at ~0, 0.1, 0.3, 0.7 s);
//   - 50 failures, or every request failing, outlast it (about 7 attempts in 10 s);
//   - a latency of 7 s is below the 10 s deadline, 13 s above it.
// Faults are aimed at resourceclaims only (Faults::path_filter), so the slice publisher and
// its watch keep working and the failure is exactly the prepare's.

#include <filesystem>
#include <thread>

#include "common/cpuset.h"
#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

const char kPods[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  containers:
  - name: nginx
---
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: default}
spec:
  resourceClaims:
  - {name: cpus, resourceClaimTemplateName: two}
  containers:
  - name: app
    resources: {claims: [{name: cpus}]}
)";

std::string Yaml() { return GroupedTemplate("two", 2) + "---\n" + kPods; }

standin::Faults ClaimFaults() {
  standin::Faults f;
  f.path_filter = "/resourceclaims";
  return f;
}

// How many GETs of claim `name` the API server stand-in has seen.
int ClaimGets(WholeNode& node, const std::string& name) {
  int n = 0;
  for (const std::string& line : node.cluster().api().RequestLog()) {
    if (line.rfind("GET ", 0) == 0 && line.find("/resourceclaims/" + name) != std::string::npos) {
      ++n;
    }
  }
  return n;
}

// Files in the CDI folder that name claim `uid` (the spec, or a temp file of one).
std::vector<std::string> CdiFilesOf(WholeNode& node, const std::string& uid) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(node.cluster().cdi_dir(), ec)) {
    const std::string name = entry.path().filename();
    if (name.find(uid) != std::string::npos) found.push_back(name);
  }
  return found;
}

// What a node must look like after a prepare failed cleanly: the pod never reached the
// runtime, its claim left nothing behind, and the shared pool is what it was.
void RequireCleanFailure(WholeNode& node, const PodRun& run, const std::string& shared_before,
                         const std::string& web_id) {
  REQUIRE(run.claims.size() == 1);
  const std::string& uid = run.claims[0].uid;
  INFO("claim " << uid << " errors: "
                << (run.claim_errors.empty() ? "" : run.claim_errors.begin()->second));
  CHECK(run.sandbox_id.empty());
  CHECK(run.containers.empty());
  CHECK(CdiFilesOf(node, uid).empty());
  CHECK(ClaimCpus(node, uid).empty());
  auto state = node.ReadState();
  REQUIRE(state.ok());
  CHECK(state->claims().count(uid) == 0);
  auto pools = node.Pools();
  REQUIRE(pools.ok());
  CHECK(pools->shared.ToString() == shared_before);
  RequireInvariants(node);
  CHECK(node.CpusOf(web_id) == shared_before);
}

// The pod runs with a claim of two CPUs that it alone holds.
void RequirePinned(WholeNode& node, const PodRun& run) {
  INFO((run.claim_errors.empty() ? "" : run.claim_errors.begin()->second));
  REQUIRE(run.ok());
  const ContainerRun& app = *run.container("app");
  CHECK(CpuSet::Parse(app.cpus)->Size() == 2);
  CHECK(app.cpus == ClaimCpus(node, app.claim_uids.at(0)));
  CHECK(CdiFilesOf(node, app.claim_uids.at(0)).size() == 1);
  RequireInvariants(node);
}

struct Started {
  std::unique_ptr<WholeNode> node;
  std::string web_id;
  std::string shared;
};

Started StartWithWeb() {
  Started s;
  s.node = StartNode();
  ApplyYaml(*s.node, Yaml());
  PodRun web = Run(*s.node, "web");
  REQUIRE(web.ok());
  s.web_id = web.containers[0].id;
  RequireInvariants(*s.node);
  auto pools = s.node->Pools();
  REQUIRE(pools.ok());
  s.shared = pools->shared.ToString();
  REQUIRE(s.node->CpusOf(s.web_id) == s.shared);
  return s;
}

TEST_CASE("scenario 8a: a few 500s on the claim GET are retried; the pod gets its CPUs",
          "[e2e][scenario8]") {
  Started s = StartWithWeb();
  WholeNode& node = *s.node;
  for (int code : {500, 503, 429}) {
    INFO("injected status " << code);
    standin::Faults faults = ClaimFaults();
    faults.fail_next = 3;
    faults.fail_code = code;
    node.cluster().api().SetFaults(faults);
    const int gets_before = ClaimGets(node, "pinned-cpus");
    PodRun pinned = Run(node, "pinned");
    RequirePinned(node, pinned);
    // The failures were really served to the driver: three refused GETs, then the good one.
    CHECK(ClaimGets(node, "pinned-cpus") - gets_before == 4);
    CHECK_FALSE(node.CpusOf(s.web_id) == s.shared);  // shrunk around the claim
    REQUIRE(node.DeletePod("pinned").ok());
    RequireInvariants(node);
    CHECK(node.CpusOf(s.web_id) == s.shared);
  }
}

TEST_CASE("scenario 8b: an API server failing past the retry budget fails the claim cleanly",
          "[e2e][scenario8]") {
  Started s = StartWithWeb();
  WholeNode& node = *s.node;
  standin::Faults always = ClaimFaults();
  always.fail_always = true;
  standin::Faults many = ClaimFaults();
  many.fail_next = 50;
  many.fail_code = 503;
  for (const standin::Faults& faults : {always, many}) {
    INFO("fail_always=" << faults.fail_always << " fail_next=" << faults.fail_next);
    node.cluster().api().SetFaults(faults);
    const int gets_before = ClaimGets(node, "pinned-cpus");
    PodRun failed = Run(node, "pinned");
    REQUIRE(failed.claim_errors.size() == 1);
    const std::string& error = failed.claim_errors.begin()->second;
    INFO(error);
    // A clear error: what failed, the server's status, and that the driver gave up retrying.
    CHECK(error.find("reading the ResourceClaim") != std::string::npos);
    CHECK(error.find(std::to_string(faults.fail_code)) != std::string::npos);
    CHECK(error.find("gave up after") != std::string::npos);
    CHECK(ClaimGets(node, "pinned-cpus") - gets_before > 3);  // it did retry
    RequireCleanFailure(node, failed, s.shared, s.web_id);
    CHECK(node.cluster().driver().WaitForLog("prepare failed: claim default/pinned-cpus", 5s));

    // The API server recovers: the same pod (a new claim from its template) runs.
    node.cluster().api().SetFaults(standin::Faults());
    REQUIRE(node.DeletePod("pinned").ok());
    PodRun pinned = Run(node, "pinned");
    RequirePinned(node, pinned);
    REQUIRE(node.DeletePod("pinned").ok());
    RequireInvariants(node);
    CHECK(node.CpusOf(s.web_id) == s.shared);
  }
}

TEST_CASE(
    "scenario 8c: a slow API server: prepare succeeds below the deadline, fails cleanly "
    "above it",
    "[e2e][scenario8]") {
  Started s = StartWithWeb();
  WholeNode& node = *s.node;

  // Below the 10 s deadline. On a loaded machine the answer may still come late; then the
  // claim must have failed as cleanly as above the deadline.
  standin::Faults slow = ClaimFaults();
  slow.latency = 7s;
  node.cluster().api().SetFaults(slow);
  PodRun below = Run(node, "pinned");
  if (below.claim_errors.empty()) {
    RequirePinned(node, below);
  } else {
    WARN("7 s latency exceeded the deadline on this machine: "
         << below.claim_errors.begin()->second);
    RequireCleanFailure(node, below, s.shared, s.web_id);
  }
  REQUIRE(node.DeletePod("pinned").ok());
  RequireInvariants(node);

  // Above it: the driver gives up at its deadline, and the answer that arrives later changes
  // nothing.
  slow.latency = 13s;
  node.cluster().api().SetFaults(slow);
  const auto start = std::chrono::steady_clock::now();
  PodRun above = Run(node, "pinned");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(above.claim_errors.size() == 1);
  const std::string& error = above.claim_errors.begin()->second;
  INFO(error);
  CHECK(error.find("reading the ResourceClaim") != std::string::npos);
  CHECK(error.find("deadline") != std::string::npos);
  CHECK(took < 13s);  // the driver's deadline, not the server's answer, ended the prepare
  RequireCleanFailure(node, above, s.shared, s.web_id);
  std::this_thread::sleep_for(4s);  // let the late answer arrive: it must change nothing
  RequireCleanFailure(node, above, s.shared, s.web_id);

  node.cluster().api().SetFaults(standin::Faults());
  REQUIRE(node.DeletePod("pinned").ok());
  PodRun pinned = Run(node, "pinned");
  RequirePinned(node, pinned);
}

// What this node publishes, independent of slice names (a recreated slice gets a new
// generated name): the sorted device names over all of its slices.
std::vector<std::string> PublishedDevices(WholeNode& node) {
  std::vector<std::string> devices;
  for (const auto& slice : node.cluster().Slices()) {
    for (const auto& device : slice.at("spec").at("devices").as_array()) {
      devices.push_back(device.at("name").as_string());
    }
  }
  std::sort(devices.begin(), devices.end());
  return devices;
}

bool WaitForDevices(WholeNode& node, const std::vector<std::string>& want,
                    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (PublishedDevices(node) != want) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_CASE("scenario 8d: dropped watches while pods come and go; deleted slices come back",
          "[e2e][scenario8]") {
  Started s = StartWithWeb();
  WholeNode& node = *s.node;
  const std::vector<std::string> devices = PublishedDevices(node);
  const size_t slice_count = node.cluster().Slices().size();
  REQUIRE_FALSE(devices.empty());

  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    node.cluster().api().DropWatches();
    PodRun pinned = Run(node, "pinned");
    RequirePinned(node, pinned);
    // A slice deleted by hand while the watch is down (or just back): the driver's
    // reconciliation sees it gone and puts it back (under a new generated name).
    node.cluster().api().DropWatches();
    const auto slices = node.cluster().Slices();
    REQUIRE(slices.size() == slice_count);
    const std::string victim = slices[round % slices.size()].at("metadata").at("name").as_string();
    const int created_before = node.cluster().driver().CountInLog("created=1)");
    REQUIRE(node.cluster().api().store().Delete("resourceslices", "", victim, "", "").ok());
    node.cluster().api().DropWatches();
    INFO("slice " << victim
                  << " not recreated; driver log: " << node.cluster().driver().log_path());
    CHECK(WaitForDevices(node, devices, 30s));
    CHECK(node.cluster().Slices().size() == slice_count);
    CHECK(node.cluster().driver().WaitForLog("created=1)", 10s, created_before + 1));
    REQUIRE(node.DeletePod("pinned").ok());
    RequireInvariants(node);
    CHECK(node.CpusOf(s.web_id) == s.shared);
  }
  // Still one driver process that never needed a restart, and prepares still work.
  PodRun last = Run(node, "pinned");
  RequirePinned(node, last);
}

}  // namespace
}  // namespace dracpu::e2e
