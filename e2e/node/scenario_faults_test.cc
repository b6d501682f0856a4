// Issue #6 scenarios 8 and 9 through the whole node: API server faults while claims are
// prepared, and a corrupt state file.
//
// Scenario 8.
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
#include <fstream>
#include <sstream>
#include <thread>

#include "common/cpuset.h"
#include "common/state_codec.h"
#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

std::string Yaml() {
  return GroupedTemplate("two", 2) + SharedPodYaml("web") + ClaimPodYaml("pinned", "two");
}

standin::Faults ClaimFaults() {
  standin::Faults f;
  f.path_filter = "/resourceclaims";
  return f;
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

TEST_CASE("scenario 8a: a few 500s on the claim GET are retried, the pod gets its CPUs",
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

TEST_CASE("scenario 8d: dropped watches while pods come and go, deleted slices come back",
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

// Scenario 9: a corrupt state file while a claim container runs.
//
// The contract (docs/state-file.md, common/state_store.h, driver/app/startup_reconcile.h):
//   - the nri-plugin only reads the file; on a file it cannot use it logs
//     `state file unusable (...); keeping the last good view` and keeps deciding with the last
//     good file, which is what the node really holds until the driver writes again: running
//     containers keep their cpusets, new shared containers get the last good shared pool, a
//     forged DRA_CPUSET_* is refused as before;
//   - the driver's next write (a prepare, which reads the file first) or its restart moves the
//     file to allocations.json.corrupt-<time>, logs `state file corrupt: kept aside as <path>;
//     rebuilding`, and rebuilds the claims from its CDI spec files, so the running claim keeps
//     its CPUs and no new claim is given them.
// What the node does in each case is written at each TEST_CASE below.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces the state file by `bytes` the way a hand edit or a restore from backup does (a new
// file renamed over it), so every reader sees either the old or the new bytes.
void WriteState(WholeNode& node, const std::string& bytes) {
  const std::string path = node.cluster().state_dir() + "/allocations.json";
  {
    std::ofstream out(path + ".hand-edit", std::ios::binary | std::ios::trunc);
    out << bytes;
    REQUIRE(out.good());
  }
  std::filesystem::permissions(path + ".hand-edit", std::filesystem::perms(0640));
  std::filesystem::rename(path + ".hand-edit", path);
}

std::vector<std::string> CorruptCopies(WholeNode& node) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(node.cluster().state_dir(), ec)) {
    const std::string name = entry.path().filename();
    if (name.rfind("allocations.json.corrupt-", 0) == 0) found.push_back(entry.path());
  }
  return found;
}

bool WaitForNriLog(WholeNode& node, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (ReadFile(node.nri_log()).find(needle) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

enum class Recovery { kNextPrepare, kDriverRestart };

// A node with a shared container (web) and a claim container (holder) running.
struct Holding {
  std::unique_ptr<WholeNode> node;
  std::string web_id, holder_id, holder_uid, holder_cpus, shared;
  std::string good_state;  // the state file's bytes before the corruption
};

Holding StartHolding() {
  Holding h;
  Started s = StartWithWeb();
  h.node = std::move(s.node);
  h.web_id = s.web_id;
  ApplyYaml(*h.node, ClaimPodYaml("holder", "two") + ClaimPodYaml("second", "two"));
  PodRun holder = Run(*h.node, "holder");
  RequirePinned(*h.node, holder);
  h.holder_id = holder.containers[0].id;
  h.holder_uid = holder.claims[0].uid;
  h.holder_cpus = holder.containers[0].cpus;
  auto pools = h.node->Pools();
  REQUIRE(pools.ok());
  h.shared = pools->shared.ToString();
  REQUIRE(h.node->CpusOf(h.web_id) == h.shared);
  h.good_state = ReadFile(h.node->cluster().state_dir() + "/allocations.json");
  return h;
}

// While the file is unusable and the driver has not written yet: nothing moves, nothing new is
// pinned wrongly. `shared` is the pool the nri-plugin must still be confining containers to.
void RequireNothingPinnedWrongly(Holding& h, const std::string& shared) {
  WholeNode& node = *h.node;
  CHECK(node.CpusOf(h.holder_id) == h.holder_cpus);
  CHECK_FALSE(CpuSet::Parse(node.CpusOf(h.web_id))->Intersects(*CpuSet::Parse(h.holder_cpus)));
  // A new shared container gets the shared pool, never the claim's CPUs; its creation also
  // brings any shrink still waiting to the running shared containers.
  auto late = node.RunPod(PodWithEnv("late", "c", {}));
  REQUIRE(late.ok());
  REQUIRE(late->ok());
  CHECK(late->containers[0].cpus == shared);
  CHECK_FALSE(CpuSet::Parse(late->containers[0].cpus)->Intersects(*CpuSet::Parse(h.holder_cpus)));
  CHECK(node.CpusOf(h.web_id) == shared);
  // A container that copies the holder's env var is refused, as with a good file.
  auto thief = node.RunPod(
      PodWithEnv("thief", "steal", {"DRA_CPUSET_" + h.holder_uid + "=" + h.holder_cpus}));
  REQUIRE(thief.ok());
  CHECK(thief->containers[0].id.empty());
  CHECK_FALSE(thief->containers[0].error.empty());
  REQUIRE(node.DeletePod("thief").ok());
  REQUIRE(node.DeletePod("late").ok());
  CHECK(node.CpusOf(h.holder_id) == h.holder_cpus);
}

// The driver's next write or restart: the corrupt bytes are kept aside, the log says so, the
// claims are rebuilt from the CDI files and the node converges.
void RequireRecovered(Holding& h, const std::string& corrupt_bytes, Recovery recovery) {
  WholeNode& node = *h.node;
  CHECK(CorruptCopies(node).empty());  // nobody wrote yet: the nri-plugin never moves the file
  if (recovery == Recovery::kDriverRestart) {
    Status restarted = node.RestartDriver(false);
    INFO(restarted.ToString());
    REQUIRE(restarted.ok());
  }
  PodRun second = Run(node, "second");
  RequirePinned(node, second);
  const std::string second_cpus = second.containers[0].cpus;
  CHECK_FALSE(CpuSet::Parse(second_cpus)->Intersects(*CpuSet::Parse(h.holder_cpus)));

  const std::vector<std::string> copies = CorruptCopies(node);
  REQUIRE(copies.size() == 1);
  CHECK(ReadFile(copies[0]) == corrupt_bytes);  // kept exactly as found, for the bug report
  CHECK(node.cluster().driver().WaitForLog("state file corrupt: kept aside as " + copies[0], 5s));
  // Rebuilt from the CDI files: the running claim keeps its CPUs.
  CHECK(ClaimCpus(node, h.holder_uid) == h.holder_cpus);
  CHECK(node.CpusOf(h.holder_id) == h.holder_cpus);
  RequireInvariants(node);

  // The rebuilt claim is an ordinary one afterwards: unprepared when its pod goes.
  REQUIRE(node.DeletePod("second").ok());
  REQUIRE(node.DeletePod("holder").ok());
  RequireInvariants(node);
  auto state = node.ReadState();
  REQUIRE(state.ok());
  CHECK(state->claims().empty());
  CHECK(CdiFilesOf(node, h.holder_uid).empty());
  auto pools = node.Pools();
  REQUIRE(pools.ok());
  CHECK(node.CpusOf(h.web_id) == pools->shared.ToString());
  CHECK(pools->shared == pools->online - pools->reserved);
}

// The nri-plugin's steps for a file it cannot read, shared by the damaged-bytes cases.
void RunDamagedFile(const std::string& corrupt_bytes, Recovery recovery, Holding& h) {
  WriteState(*h.node, corrupt_bytes);
  INFO("nri-plugin log: " << h.node->nri_log());
  CHECK(WaitForNriLog(*h.node, "state file unusable", 10s));
  RequireNothingPinnedWrongly(h, h.shared);
  RequireRecovered(h, corrupt_bytes, recovery);
}

// Garbage bytes (not JSON at all): Corruption. nri-plugin: ERROR, last good view kept (the
// holder stays pinned, shared containers stay on the shared pool). Driver: kept aside, rebuilt
// from the CDI files, loud ERROR.
TEST_CASE("scenario 9a: garbage bytes in the state file", "[e2e][scenario9]") {
  Holding h = StartHolding();
  std::string garbage;
  for (int i = 0; i < 3000; ++i) garbage.push_back(static_cast<char>((i * 7919 + 13) % 256));
  SECTION("recovered by the next prepare") { RunDamagedFile(garbage, Recovery::kNextPrepare, h); }
  SECTION("recovered by a driver restart") { RunDamagedFile(garbage, Recovery::kDriverRestart, h); }
}

// A truncated file (a torn write on a disk that lied about fsync): the JSON ends early, so it
// does not parse: Corruption, handled as garbage.
TEST_CASE("scenario 9b: a truncated state file", "[e2e][scenario9]") {
  Holding h = StartHolding();
  const std::string truncated = h.good_state.substr(0, h.good_state.size() / 2);
  SECTION("recovered by the next prepare") { RunDamagedFile(truncated, Recovery::kNextPrepare, h); }
  SECTION("recovered by a driver restart") {
    RunDamagedFile(truncated, Recovery::kDriverRestart, h);
  }
}

// A hand edit that did not update the checksum: valid JSON whose content no longer matches its
// SHA-256, here a claim's CPUs widened by hand: Corruption, so the widened CPUs are never
// believed by either binary.
TEST_CASE("scenario 9c: a state file with a bad checksum", "[e2e][scenario9]") {
  Holding h = StartHolding();
  std::string edited = h.good_state;
  const std::string field = "\"cpus\": \"" + h.holder_cpus + "\"";
  const size_t at = edited.find(field);
  REQUIRE(at != std::string::npos);
  auto online = h.node->Pools();
  REQUIRE(online.ok());
  edited.replace(at, field.size(), "\"cpus\": \"" + online->online.ToString() + "\"");
  SECTION("recovered by the next prepare") { RunDamagedFile(edited, Recovery::kNextPrepare, h); }
  SECTION("recovered by a driver restart") { RunDamagedFile(edited, Recovery::kDriverRestart, h); }
}

// A valid file (good JSON, correct checksum) whose claims overlap: a forged claim holding the
// holder's CPUs plus one shared CPU, reserved for a pod "intruder". Not damage a checksum can
// catch, and never legitimate: no CPU may be promised twice.
//   nri-plugin: the file reads fine, so it takes the forged claim's CPUs out of the shared pool
//   (the shared containers shrink: conservative) but pins nothing to an overlapping claim: the
//   intruder carrying the forged claim's env var is refused (claim_overlap); the holder keeps its
//   CPUs.
//   driver: the next prepare or a restart treats overlapping claims as a corrupt file: kept
//   aside, rebuilt from the CDI files (the forged claim has none, so it is gone), loud ERROR.
TEST_CASE("scenario 9d: a valid state file with overlapping claims", "[e2e][scenario9]") {
  Holding h = StartHolding();
  auto state = h.node->ReadState();
  REQUIRE(state.ok());
  auto pools = h.node->Pools();
  REQUIRE(pools.ok());
  const int extra = pools->shared.First();
  CpuSet forged_cpus = *CpuSet::Parse(h.holder_cpus);
  forged_cpus.Add(extra);
  const std::string forged_uid = "0f0f0f0f-0000-4000-8000-000000000001";
  ClaimAllocation forged = state->claims().at(h.holder_uid);
  forged.set_uid(forged_uid);
  forged.set_name("intruder-cpus");
  forged.clear_pod_uids();
  forged.add_pod_uids("pod-intruder");
  forged.set_cpus(forged_cpus.ToString());
  (*state->mutable_claims())[forged_uid] = forged;
  state->set_generation(state->generation() + 1);
  auto bytes = EncodeState(*state);
  REQUIRE(bytes.ok());
  REQUIRE(DecodeState(*bytes).ok());  // a valid file as far as the checksum goes

  auto run = [&](Recovery recovery) {
    WriteState(*h.node, *bytes);
    WholeNode& node = *h.node;
    // The nri-plugin reads it (generation grows); the shrink of the shared containers off the
    // forged CPU waits for the next CreateContainer answer, as every shrink outside an event
    // does (cpu_pinning_plugin.h).
    CpuSet shrunk = pools->shared;
    shrunk.Remove(extra);
    CHECK(WaitForNriLog(node, "shared pool now " + shrunk.ToString(), 10s));
    CHECK(node.CpusOf(h.holder_id) == h.holder_cpus);
    // The intruder names the forged claim exactly as the file does, from the pod it names.
    auto intruder =
        node.RunPod(PodWithEnv("intruder", "steal",
                               {"DRA_CPUSET_" + forged_uid + "=" + forged_cpus.ToString()}),
                    "pod-intruder");
    REQUIRE(intruder.ok());
    CHECK(intruder->containers[0].id.empty());
    INFO(intruder->containers[0].error);
    CHECK(intruder->containers[0].error.find("both hold CPU") != std::string::npos);
    REQUIRE(node.DeletePod("intruder").ok());
    RequireNothingPinnedWrongly(h, shrunk.ToString());
    RequireRecovered(h, *bytes, recovery);
    CHECK(ClaimCpus(node, forged_uid).empty());
    CHECK(CdiFilesOf(node, forged_uid).empty());
  };
  SECTION("recovered by the next prepare") { run(Recovery::kNextPrepare); }
  SECTION("recovered by a driver restart") { run(Recovery::kDriverRestart); }
}

}  // namespace
}  // namespace dracpu::e2e
