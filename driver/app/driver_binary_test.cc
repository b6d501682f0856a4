// The real dracpu-driver binary against the API server and kubelet stand-ins (DriverRig).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "common/atomic_file.h"
#include "common/sysfs_topology.h"
#include "driver/app/testing/driver_rig.h"
#include "driver/core/cdi.h"
#include "driver/core/device_catalog.h"
#include "e2e/apiserver/apiserver_standin.h"

namespace dracpu::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using web::json::value;
using StateClaim = ::dracpu::state::v1::ClaimAllocation;

std::string S(const value& v, std::initializer_list<const char*> path) {
  const value* at = &v;
  for (const char* key : path) {
    if (!at->is_object() || !at->has_field(key)) return "";
    at = &at->at(key);
  }
  return at->is_string() ? at->as_string() : at->serialize();
}

std::set<std::string> PublishedDevices(const std::vector<value>& slices) {
  std::set<std::string> names;
  for (const value& slice : slices) {
    for (const value& device : slice.at(U("spec")).at(U("devices")).as_array()) {
      names.insert(device.at(U("name")).as_string());
    }
  }
  return names;
}

std::string ReadFile(const std::string& path) {
  StatusOr<std::string> text = ReadFileToString(path);
  REQUIRE(text.ok());
  return *text;
}

template <typename Pred>
bool Eventually(Pred pred, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(25));
  }
  return true;
}

std::unique_ptr<DriverRig> NewRig(RigOptions options = {}) {
  auto rig = DriverRig::Create(std::move(options));
  REQUIRE(rig.ok());
  return std::move(*rig);
}

// A rig whose driver runs with `flags`, registered and published.
std::unique_ptr<DriverRig> StartedRig(const std::vector<std::string>& flags = {},
                                      RigOptions options = {}) {
  std::unique_ptr<DriverRig> rig = NewRig(std::move(options));
  REQUIRE(rig->StartDriver(flags).ok());
  return rig;
}

// A claim in namespace "ns" that the stand-in's scheduler allocated.
kubelet::ClaimRef NewClaim(DriverRig& rig, const std::string& name, const value& request) {
  auto claim = rig.CreateClaim(name, request);
  REQUIRE(claim.ok());
  return *claim;
}

// Prepares one claim and returns its outcome (REQUIREs the call itself to succeed).
kubelet::ClaimOutcome PrepareOne(DriverRig& rig, const kubelet::ClaimRef& claim) {
  auto outcomes = rig.Prepare({claim});
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->count(claim.uid) == 1);
  return outcomes->at(claim.uid);
}

CpuSet ClaimCpus(DriverRig& rig, const std::string& uid) {
  AllocationState state = rig.ReadState().value();
  REQUIRE(state.claims().count(uid) == 1);
  return CpuSet::Parse(state.claims().at(uid).cpus()).value();
}

// Overwrites a claim's allocation (to build claims the stand-in's scheduler would not).
void SetAllocation(DriverRig& rig, const std::string& name, const std::string& results) {
  value claim = rig.api().store().Get("resourceclaims", "ns", name).value();
  claim[U("status")][U("allocation")] =
      value::parse(R"({"devices": {"results": )" + results + "}}");
  REQUIRE(rig.api().store().Update("resourceclaims", "ns", name, claim, true).ok());
}

// The claim's allocation results (JSON text), to give another claim the same devices.
std::string AllocationResults(DriverRig& rig, const std::string& name) {
  return S(rig.api().store().Get("resourceclaims", "ns", name).value(),
           {"status", "allocation", "devices", "results"});
}

// Allocation results for share `share_id` of grouped `device`, consuming `quantity` of
// dra.cpu/cpu.
std::string ShareResults(const std::string& device, const std::string& share_id,
                         const std::string& quantity) {
  return R"([{"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": ")" + device +
         R"(", "shareID": ")" + share_id + R"(", "consumedCapacity": {"dra.cpu/cpu": ")" +
         quantity + R"("}}])";
}

// Most tests: one rig whose driver runs with the default flags.
struct StartedDriver {
  std::unique_ptr<DriverRig> owned = StartedRig();
  DriverRig& rig = *owned;
};

struct ModeCase {
  const char* fixture;
  std::vector<std::string> flags;
  CpuDeviceMode mode;
  GroupBy group_by;
  CpuSet reserved;
};

TEST_CASE("the driver publishes the catalog's devices per mode on real machines", "[integration]") {
  const std::vector<ModeCase> cases = {
      {"64amd64-4s2n4ca2co", {}, CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {}},
      {"64amd64-4s2n4ca2co",
       {"--cpu-device-mode=individual", "--reserved-cpus=0-1"},
       CpuDeviceMode::kIndividual,
       GroupBy::kNumaNode,
       CpuSet{0, 1}},
      {"16em64t-4s2c2t", {"--group-by=socket"}, CpuDeviceMode::kGrouped, GroupBy::kSocket, {}},
      // A 1.32/1.33 cluster: slices in the v1beta1 shape, on the v1beta1 path.
      {"16em64t-4s2c2t",
       {"--resource-api-version=v1beta1"},
       CpuDeviceMode::kGrouped,
       GroupBy::kNumaNode,
       {}},
      {"16em64t-4s2c2t",
       {"--cpu-device-mode=individual"},
       CpuDeviceMode::kIndividual,
       GroupBy::kNumaNode,
       {}},
  };
  for (const ModeCase& c : cases) {
    DYNAMIC_SECTION(c.fixture << " " << CpuDeviceModeName(c.mode) << " "
                              << GroupByName(c.group_by)) {
      RigOptions options;
      options.fixture = c.fixture;
      auto owned = StartedRig(c.flags, options);
      DriverRig& rig = *owned;
      Topology topology = DiscoverTopology(rig.sys_root()).value();
      DeviceCatalog catalog =
          DeviceCatalog::Build(topology, {c.mode, c.group_by, c.reserved}).value();
      std::set<std::string> want;
      for (const CpuDevice& d : catalog.devices()) want.insert(d.name);

      std::vector<value> slices;
      REQUIRE(Eventually([&] {
        slices = rig.Slices();
        return PublishedDevices(slices) == want;
      }));
      const std::string node_uid =
          S(rig.api().store().Get("nodes", "", "node-a").value(), {"metadata", "uid"});
      for (const value& slice : slices) {
        CHECK(S(slice, {"spec", "driver"}) == "dra.cpu");
        CHECK(S(slice, {"spec", "pool", "name"}) == "node-a");
        CHECK(S(slice, {"spec", "pool", "resourceSliceCount"}) == std::to_string(slices.size()));
        CHECK(S(slice.at(U("metadata")).at(U("ownerReferences")).at(0), {"uid"}) == node_uid);
      }
      if (c.mode == CpuDeviceMode::kIndividual) {
        CHECK(want.size() == static_cast<size_t>((topology.online() - c.reserved).Size()));
        CHECK(slices.size() == (want.size() + 127) / 128);
      }
      CHECK(rig.driver().CountInLog("published ResourceSlices: pool=node-a") >= 1);
      CHECK(rig.driver().CountInLog("server dropped fields") == 0);
      const bool beta = !c.flags.empty() && c.flags[0] == "--resource-api-version=v1beta1";
      CHECK(S(slices[0], {"apiVersion"}) ==
            (beta ? "resource.k8s.io/v1beta1" : "resource.k8s.io/v1"));
      CHECK(rig.driver().WaitForLog("registered with kubelet", seconds(5)));
      CHECK(rig.StopDriver().value() == 0);
      CHECK(rig.driver().CountInLog("dracpu-driver stopped") == 1);
      // Clean shutdown leaves the slices and removes the registration socket.
      CHECK(PublishedDevices(rig.Slices()) == want);
      CHECK(::access((rig.registry_dir() + "/dra.cpu-reg.sock").c_str(), F_OK) != 0);
    }
  }
}

TEST_CASE_METHOD(StartedDriver, "prepare and unprepare round trip through state file and CDI file",
                 "[integration]") {
  kubelet::ClaimRef claim = NewClaim(rig, "c1", GroupedRequest(3));

  kubelet::ClaimOutcome outcome = PrepareOne(rig, claim);
  REQUIRE(outcome.ok());
  REQUIRE(outcome.devices.size() == 1);
  CHECK(outcome.devices[0].pool_name == "node-a");
  CHECK(outcome.devices[0].device_name.rfind("cpudevnuma", 0) == 0);
  CHECK(outcome.devices[0].cdi_device_ids == std::vector<std::string>{cdi::DeviceId(claim.uid)});

  AllocationState state = rig.ReadState().value();
  REQUIRE(state.claims().count(claim.uid) == 1);
  const StateClaim& entry = state.claims().at(claim.uid);
  CHECK(entry.phase() == StateClaim::PREPARED);
  CHECK(entry.namespace_() == "ns");
  CHECK(entry.name() == "c1");
  REQUIRE(entry.pod_uids_size() == 1);
  CHECK(entry.pod_uids(0) == "pod-c1");
  CHECK(state.node_name() == "node-a");
  CHECK(state.boot_id() == rig.options().boot_id);
  CpuSet cpus = CpuSet::Parse(entry.cpus()).value();
  CHECK(cpus.Size() == 3);

  const std::string spec = ReadFile(rig.cdi_dir() + "/" + cdi::SpecFileName(claim.uid));
  CHECK(spec.find("\"DRA_CPUSET_" + claim.uid + "=" + cpus.ToString() + "\"") != std::string::npos);
  CHECK(spec.find("\"claim-" + claim.uid + "\"") != std::string::npos);
  CHECK(rig.driver().WaitForLog("prepared claim ns/c1 uid=" + claim.uid +
                                    " pods=pod-c1 cpus=" + cpus.ToString() + " latency=",
                                seconds(5)));
  auto metrics = rig.HttpGet("/metrics");
  REQUIRE(metrics.ok());
  CHECK(metrics->second.find("dracpu_driver_prepared_claims 1\n") != std::string::npos);
  CHECK(metrics->second.find("dracpu_driver_exclusive_cpus 3\n") != std::string::npos);
  CHECK(metrics->second.find("dracpu_driver_shared_cpus 61\n") != std::string::npos);
  CHECK(metrics->second.find("dracpu_driver_prepare_duration_seconds_count{result=\"ok\"} 1") !=
        std::string::npos);

  SECTION("re-prepare is idempotent: same CPUs and devices, no API call, no state write") {
    auto requests_before = rig.api().RequestLog().size();
    kubelet::ClaimOutcome again = PrepareOne(rig, claim);
    REQUIRE(again.ok());
    CHECK(again.devices == outcome.devices);
    CHECK(ClaimCpus(rig, claim.uid) == cpus);
    CHECK(rig.ReadState().value().generation() == state.generation());
    for (size_t i = requests_before; i < rig.api().RequestLog().size(); ++i) {
      CHECK(rig.api().RequestLog()[i].find("resourceclaims") == std::string::npos);
    }
  }
  SECTION("unprepare removes the CDI file and the state entry") {
    auto errors = rig.Unprepare({claim});
    REQUIRE(errors.ok());
    CHECK(errors->at(claim.uid).empty());
    CHECK(rig.ReadState().value().claims_size() == 0);
    CHECK(::access((rig.cdi_dir() + "/" + cdi::SpecFileName(claim.uid)).c_str(), F_OK) != 0);
    CHECK(rig.driver().WaitForLog("unprepared claim ns/c1 uid=" + claim.uid, seconds(5)));
    // Unknown claims succeed.
    auto unknown = rig.Unprepare({{"ns", "gone", "99999999-0000-4000-8000-000000000009"}});
    REQUIRE(unknown.ok());
    CHECK(unknown->begin()->second.empty());
  }
}

TEST_CASE("claims that would overlap never share a CPU", "[integration]") {
  SECTION("grouped: shares of one NUMA node are placed apart") {
    auto owned = StartedRig();
    DriverRig& rig = *owned;
    kubelet::ClaimRef a = NewClaim(rig, "a", GroupedRequest(4));
    kubelet::ClaimRef b = NewClaim(rig, "b", GroupedRequest(4));
    SetAllocation(rig, "b", AllocationResults(rig, "a"));  // same device as a
    REQUIRE(PrepareOne(rig, a).ok());
    REQUIRE(PrepareOne(rig, b).ok());
    CpuSet ca = ClaimCpus(rig, a.uid), cb = ClaimCpus(rig, b.uid);
    CHECK_FALSE(ca.Intersects(cb));
    // The NUMA node has 8 CPUs (64 CPUs, 8 nodes): a third share of 1 no longer fits.
    const std::string device = AllocationResults(rig, "a");
    REQUIRE(device.find("cpudevnuma") != std::string::npos);
    const std::string numa = device.substr(device.find("cpudevnuma"), 13);
    kubelet::ClaimRef c = NewClaim(rig, "c", GroupedRequest(1));
    SetAllocation(rig, "c", ShareResults(numa, "x", "1"));
    kubelet::ClaimOutcome third = PrepareOne(rig, c);
    CHECK_FALSE(third.ok());
    CHECK(third.error.find("group exhausted") != std::string::npos);
  }
  SECTION("individual: a device another claim holds is refused") {
    auto owned = StartedRig({"--cpu-device-mode=individual"});
    DriverRig& rig = *owned;
    kubelet::ClaimRef a = NewClaim(rig, "a", IndividualRequest(2));
    kubelet::ClaimRef b = NewClaim(rig, "b", IndividualRequest(2));
    SetAllocation(rig, "b", AllocationResults(rig, "a"));
    REQUIRE(PrepareOne(rig, a).ok());
    kubelet::ClaimOutcome second = PrepareOne(rig, b);
    CHECK_FALSE(second.ok());
    CHECK(second.error.find("CPUs already exclusive") != std::string::npos);
    CHECK(rig.ReadState().value().claims().count(b.uid) == 0);
    CHECK(rig.driver().WaitForLog("prepare failed: claim ns/b uid=" + b.uid + ": CPUs already",
                                  seconds(5)));
  }
}

TEST_CASE_METHOD(StartedDriver, "bad claims fail with a reason - and the rest of the batch goes on",
                 "[integration]") {
  kubelet::ClaimRef good = NewClaim(rig, "good", GroupedRequest(1));
  kubelet::ClaimRef fractional = NewClaim(rig, "frac", GroupedRequest(1));
  SetAllocation(rig, "frac", ShareResults("cpudevnuma001", "s", "1500m"));
  kubelet::ClaimRef missing{"ns", "missing", "77777777-0000-4000-8000-000000000007"};
  kubelet::ClaimRef mismatch{"ns", "good", "88888888-0000-4000-8000-000000000008"};

  auto outcomes = rig.Prepare({good, missing, fractional});
  REQUIRE(outcomes.ok());
  CHECK(outcomes->at(good.uid).ok());
  CHECK(outcomes->at(missing.uid).error.find("NotFound") != std::string::npos);
  CHECK_FALSE(outcomes->at(fractional.uid).ok());
  CHECK(outcomes->at(fractional.uid).error.find("1500m") != std::string::npos);
  kubelet::ClaimOutcome wrong_uid = PrepareOne(rig, mismatch);
  CHECK(wrong_uid.error.find("claim UID mismatch") != std::string::npos);
  AllocationState state = rig.ReadState().value();
  CHECK(state.claims_size() == 1);
  CHECK(cdi::ListClaimUids(rig.cdi_dir()).value() == std::vector<std::string>{good.uid});
}

TEST_CASE_METHOD(StartedDriver,
                 "API server errors: retried inside a call - reported per claim when they persist",
                 "[integration]") {
  kubelet::ClaimRef a = NewClaim(rig, "a", GroupedRequest(2));
  kubelet::ClaimRef b = NewClaim(rig, "b", GroupedRequest(2));

  standin::Faults two_failures;
  two_failures.fail_next = 2;
  two_failures.path_filter = "resourceclaims";
  rig.api().SetFaults(two_failures);
  CHECK(PrepareOne(rig, a).ok());

  standin::Faults down;
  down.fail_always = true;
  down.path_filter = "resourceclaims";
  rig.api().SetFaults(down);
  kubelet::ClaimOutcome failed = PrepareOne(rig, b);
  CHECK_FALSE(failed.ok());
  CHECK(rig.ReadState().value().claims().count(b.uid) == 0);
  CHECK(rig.driver().WaitForLog("prepare failed: claim ns/b uid=" + b.uid, seconds(5)));

  rig.api().SetFaults({});
  CHECK(PrepareOne(rig, b).ok());  // the kubelet's retry
  CHECK_FALSE(ClaimCpus(rig, a.uid).Intersects(ClaimCpus(rig, b.uid)));
}

TEST_CASE_METHOD(StartedDriver, "a restarted driver keeps its claims and their CPUs",
                 "[integration]") {
  kubelet::ClaimRef a = NewClaim(rig, "a", GroupedRequest(5));
  kubelet::ClaimOutcome first = PrepareOne(rig, a);
  REQUIRE(first.ok());
  CpuSet cpus = ClaimCpus(rig, a.uid);
  REQUIRE(rig.StopDriver().value() == 0);

  SECTION("same boot: state survives, same CPUs and devices") {
    REQUIRE(rig.StartDriver().ok());
    kubelet::ClaimOutcome again = PrepareOne(rig, a);
    REQUIRE(again.ok());
    CHECK(again.devices == first.devices);
    CHECK(ClaimCpus(rig, a.uid) == cpus);
    kubelet::ClaimRef b = NewClaim(rig, "b", GroupedRequest(5));
    REQUIRE(PrepareOne(rig, b).ok());
    CHECK_FALSE(ClaimCpus(rig, b.uid).Intersects(cpus));
  }
  SECTION("after a crash mid-way the CDI folder is repaired from the state") {
    REQUIRE(::unlink((rig.cdi_dir() + "/" + cdi::SpecFileName(a.uid)).c_str()) == 0);
    REQUIRE(cdi::WriteSpec(rig.cdi_dir(), "66666666-0000-4000-8000-000000000006", CpuSet{9}).ok());
    REQUIRE(rig.StartDriver().ok());
    CHECK(cdi::ListClaimUids(rig.cdi_dir()).value() == std::vector<std::string>{a.uid});
    CHECK(cdi::ReadSpec(rig.cdi_dir(), a.uid).value() == cpus);
  }
  SECTION("another boot: the claims are stale and dropped") {
    REQUIRE(rig.SetBootId("99999999-8888-7777-6666-555555555555").ok());
    REQUIRE(rig.StartDriver().ok());
    CHECK(rig.driver().WaitForLog("state file from another boot: dropping 1 claims", seconds(5)));
    CHECK(rig.ReadState().value().claims_size() == 0);
    CHECK(cdi::ListClaimUids(rig.cdi_dir()).value().empty());
  }
  SECTION("a corrupt state file is kept aside and the claims rebuilt from the CDI files") {
    std::ofstream(rig.state_dir() + "/allocations.json") << "{\"apiVersion\": \"dra.cpu/v1\",";
    REQUIRE(rig.StartDriver().ok());
    CHECK(rig.driver().CountInLog("state file corrupt: kept aside as " + rig.state_dir() +
                                  "/allocations.json.corrupt-") == 1);
    CHECK(ClaimCpus(rig, a.uid) == cpus);
    kubelet::ClaimOutcome again = PrepareOne(rig, a);  // refills name, pods, devices
    REQUIRE(again.ok());
    CHECK(ClaimCpus(rig, a.uid) == cpus);
    CHECK(rig.ReadState().value().claims().at(a.uid).name() == "a");
  }
}

TEST_CASE_METHOD(StartedDriver, "SIGTERM with the kubelet's health stream open exits promptly",
                 "[integration]") {
  // The kubelet keeps NodeWatchResources open for the plugin's whole life; 1000 lists would
  // take hours at the default period, so the stream is open when the signal arrives.
  StatusOr<std::vector<size_t>> lists = Status::Internal("not run");
  std::thread watcher([&] { lists = rig.WatchHealth(1000, milliseconds(60000)); });
  REQUIRE(rig.driver().WaitForLog("stream opened", seconds(10)));
  const auto start = std::chrono::steady_clock::now();
  StatusOr<int> code = rig.StopDriver();
  const auto took = std::chrono::steady_clock::now() - start;
  watcher.join();
  REQUIRE(code.ok());
  CHECK(*code == 0);
  // Functional, not a benchmark: the shutdown grace is 5 s, waiting it out would be the bug.
  INFO(rig.driver().Log());
  CHECK(took < seconds(3));
  CHECK_FALSE(lists.ok());  // the stream ended with the driver
}

TEST_CASE_METHOD(StartedDriver,
                 "slices changed by someone else are put back - other pools are removed",
                 "[integration]") {
  std::set<std::string> want = PublishedDevices(rig.Slices());
  REQUIRE_FALSE(want.empty());
  std::vector<value> slices = rig.Slices();
  const std::string name = S(slices[0], {"metadata", "name"});

  SECTION("deleted") { REQUIRE(rig.api().store().Delete("resourceslices", "", name, "", "").ok()); }
  SECTION("edited") {
    value edited = slices[0];
    edited[U("spec")][U("devices")] = value::array();
    REQUIRE(rig.api().store().Update("resourceslices", "", name, edited, false).ok());
  }
  SECTION("a slice of another pool of this node") {
    value other = slices[0];
    other[U("metadata")] = value::parse(R"({"name": "old-pool-slice"})");
    other[U("spec")][U("pool")][U("name")] = value::string("old-pool");
    REQUIRE(rig.api().store().Create("resourceslices", "", other).ok());
  }
  CHECK(Eventually([&] {
    std::vector<value> now = rig.Slices();
    return PublishedDevices(now) == want && now.size() == slices.size() &&
           S(now[0], {"spec", "pool", "name"}) == "node-a";
  }));
}

TEST_CASE("/healthz waits for the first publication - the publisher outlasts API errors",
          "[integration]") {
  auto owned = NewRig();
  DriverRig& rig = *owned;
  standin::Faults down;
  down.fail_always = true;
  down.path_filter = "resourceslices";
  rig.api().SetFaults(down);
  REQUIRE(rig.StartDriver({}, /*wait_ready=*/false).ok());
  std::pair<int, std::string> health;
  REQUIRE(Eventually([&] {
    auto got = rig.HttpGet("/healthz");
    if (got.ok()) health = *got;
    return got.ok() && health.second.find("registered with kubelet") == std::string::npos;
  }));
  CHECK(health.first == 503);
  CHECK(health.second.find("ResourceSlices published") != std::string::npos);
  CHECK(rig.Slices().empty());

  rig.api().SetFaults({});
  CHECK(Eventually(
      [&] {
        auto got = rig.HttpGet("/healthz");
        return got.ok() && got->first == 200;
      },
      seconds(40)));
  CHECK_FALSE(rig.Slices().empty());
  auto metrics = rig.HttpGet("/metrics");
  REQUIRE(metrics.ok());
  CHECK(metrics->second.find("dracpu_driver_api_request_duration_seconds_count{verb=\"GET\"}") !=
        std::string::npos);
}

TEST_CASE_METHOD(StartedDriver,
                 "an API server down at start: the driver serves the kubelet and stops cleanly",
                 "[integration]") {
  kubelet::ClaimRef a = NewClaim(rig, "a", GroupedRequest(2));
  REQUIRE(PrepareOne(rig, a).ok());
  const CpuSet cpus = ClaimCpus(rig, a.uid);
  kubelet::ClaimRef b = NewClaim(rig, "b", GroupedRequest(2));
  REQUIRE(rig.StopDriver().ok());

  standin::Faults down;
  down.fail_always = true;
  rig.api().SetFaults(down);
  REQUIRE(rig.StartDriver({}, /*wait_ready=*/false).ok());
  CHECK(rig.driver().WaitForLog("API server not reachable", seconds(30)));
  // What needs no API call works: a prepared claim answered from the state file, unprepare.
  kubelet::ClaimOutcome again = PrepareOne(rig, a);
  CHECK(again.ok());
  CHECK(ClaimCpus(rig, a.uid) == cpus);
  // A new claim cannot be read: a clear per-claim error, nothing recorded.
  kubelet::ClaimOutcome unread = PrepareOne(rig, b);
  CHECK(unread.error.find("API server") != std::string::npos);
  CHECK(rig.ReadState().value().claims().count(b.uid) == 0);
  auto unprepared = rig.Unprepare({a});
  REQUIRE(unprepared.ok());
  CHECK(unprepared->at(a.uid).empty());
  CHECK(rig.ReadState().value().claims().empty());
  auto health = rig.HttpGet("/healthz");
  REQUIRE(health.ok());
  CHECK(health->first == 503);  // nothing published yet

  // SIGTERM during the outage: a clean exit (the discovery round in progress may take the
  // client's 10 s budget to end first).
  auto code = rig.StopDriver();
  REQUIRE(code.ok());
  CHECK(*code == 0);
}

TEST_CASE("settings come from the YAML file - and a flag wins over it", "[integration]") {
  auto owned = NewRig();
  DriverRig& rig = *owned;
  const std::string config = rig.root() + "/config.yaml";
  std::ofstream(config) << "cpuDeviceMode: individual\nreservedCPUs: \"0-3\"\n";
  SECTION("file alone") {
    REQUIRE(rig.StartDriver({"--config=" + config}).ok());
    std::set<std::string> devices = PublishedDevices(rig.Slices());
    CHECK(devices.size() == 60);
    CHECK(devices.count("cpudev000") == 1);
  }
  SECTION("a flag overrides the file") {
    REQUIRE(rig.StartDriver({"--config=" + config, "--cpu-device-mode=grouped"}).ok());
    std::set<std::string> devices = PublishedDevices(rig.Slices());
    CHECK(devices.size() == 8);
    CHECK(devices.count("cpudevnuma000") == 1);
  }
}

TEST_CASE("the dispatcher: gatherinfo - run - help - and bad flags", "[integration]") {
  const std::string binary = std::string(DRACPU_BINARY_DIR) + "/driver/dracpu-driver";
  TempDir dir("dracpu-dispatch");
  int runs = 0;
  auto run = [&](const std::vector<std::string>& args) {
    auto p = DriverProcess::Spawn(binary, args, dir.path() + "/log" + std::to_string(++runs));
    REQUIRE(p.ok());
    auto code = (*p)->Wait(seconds(20));
    REQUIRE(code.ok());
    return std::make_pair(*code, (*p)->Log());
  };
  auto help = run({"--help"});
  CHECK(help.first == 0);
  CHECK(help.second.find("--reserved-cpus") != std::string::npos);
  auto bad = run({"run", "--no-such-flag", "--node-name=n"});
  CHECK(bad.first == 2);
  CHECK(bad.second.find("no-such-flag") != std::string::npos);
  auto unknown = run({"frobnicate", "--node-name=n"});
  CHECK(unknown.first == 2);
  auto fixture = ExtractFixture(DRACPU_SHARED_DIR "/topologies", "16em64t-4s2c2t");
  REQUIRE(fixture.ok());
  auto info = run({"gatherinfo", "--sysfs-root", fixture->sys_root});
  CHECK(info.first == 0);
  CHECK(info.second.find("\"numaNodes\"") != std::string::npos);
}

}  // namespace
}  // namespace dracpu::testing
