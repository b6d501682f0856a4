#include "driver/app/claim_preparation.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/allocator.h"
#include "common/testing/temp_dir.h"
#include "driver/core/cdi.h"
#include "driver/core/test_topologies.h"

namespace dracpu::driver {
namespace {

using web::json::value;
using StateClaim = ::dracpu::state::v1::ClaimAllocation;

constexpr char kNode[] = "node-a";
constexpr char kUidA[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kUidB[] = "bbbbbbbb-0000-4000-8000-000000000002";

// A claim as the API server returns it: `results` is the JSON list of allocation results.
value ClaimJson(const std::string& uid, const std::string& name, const std::string& results) {
  return value::parse(R"({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
    "metadata": {"namespace": "ns", "name": ")" +
                      name + R"(", "uid": ")" + uid + R"("},
    "status": {"allocation": {"devices": {"results": )" +
                      results + R"(}},
      "reservedFor": [{"resource": "pods", "name": "p", "uid": "pod-)" +
                      name + R"("}]}})");
}

std::string Share(const std::string& device, const std::string& cpus) {
  return R"([{"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": ")" + device +
         R"(", "shareID": "s-)" + device + R"(", "consumedCapacity": {"dra.cpu/cpu": ")" + cpus +
         R"("}}])";
}

std::string Whole(const std::string& device) {
  return R"([{"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": ")" + device +
         R"("}])";
}

// The driver's pieces around one preparer, with an in-memory "API server" of claims.
struct Fixture {
  explicit Fixture(CpuDeviceMode mode)
      : topology(testing::EightCpuTwoNode()),
        allocator(topology),
        catalog(DeviceCatalog::Build(topology, {mode, GroupBy::kNumaNode, {}}).value()),
        store(dir.path() + "/state"),
        cdi_dir(dir.path() + "/cdi") {
    ClaimPreparationOptions o;
    o.node_name = kNode;
    o.cdi_dir = cdi_dir;
    o.catalog = &catalog;
    o.allocate = [this](const CpuSet&, const CpuSet& free, int n) {
      AllocationRequest r;
      r.cpus = n;
      return allocator.Allocate(free, r);
    };
    o.store = &store;
    o.fetch_claim = [this](const std::string& ns, const std::string& name) -> StatusOr<value> {
      ++fetches;
      auto it = claims.find(ns + "/" + name);
      if (it == claims.end()) return Status::NotFound("resourceclaims " + name + " not found");
      return it->second;
    };
    preparer = std::make_unique<ClaimPreparation>(std::move(o));
  }

  kubelet::ClaimRef Add(const std::string& uid, const std::string& name,
                        const std::string& results) {
    claims["ns/" + name] = ClaimJson(uid, name, results);
    return {"ns", name, uid};
  }

  StateClaim Entry(const std::string& uid) {
    AllocationState state = store.Read().value();
    REQUIRE(state.claims().count(uid) == 1);
    return state.claims().at(uid);
  }

  testing::TempDir dir;
  Topology topology;
  CpuAllocator allocator;
  DeviceCatalog catalog;
  StateStore store;
  std::string cdi_dir;
  std::map<std::string, value> claims;
  int fetches = 0;
  std::unique_ptr<ClaimPreparation> preparer;
};

TEST_CASE("a grouped claim is recorded Prepared - gets its CDI file and one device per result") {
  Fixture f(CpuDeviceMode::kGrouped);
  kubelet::ClaimRef ref = f.Add(kUidA, "a", Share("cpudevnuma000", "2"));
  auto result = f.preparer->Prepare(ref);
  REQUIRE(result.ok());
  REQUIRE(result->devices.size() == 1);
  CHECK(result->devices[0].device_name == "cpudevnuma000");
  CHECK(result->devices[0].share_id == std::optional<std::string>("s-cpudevnuma000"));
  CHECK(result->devices[0].cdi_device_ids == std::vector<std::string>{cdi::DeviceId(kUidA)});

  StateClaim entry = f.Entry(kUidA);
  CHECK(entry.phase() == StateClaim::PREPARED);
  CHECK(entry.namespace_() == "ns");
  CHECK(entry.name() == "a");
  CHECK(std::vector<std::string>(entry.pod_uids().begin(), entry.pod_uids().end()) ==
        std::vector<std::string>{"pod-a"});
  CpuSet cpus = CpuSet::Parse(entry.cpus()).value();
  CHECK(cpus.Size() == 2);
  CHECK(cpus.IsSubsetOf(CpuSet{0, 1, 4, 5}));  // NUMA node 0
  CHECK(cdi::ReadSpec(f.cdi_dir, kUidA).value() == cpus);
  CHECK(result->log_detail == "cpus=" + cpus.ToString() + " pods=pod-a");
}

TEST_CASE("preparing a prepared claim answers from the state: same CPUs - no API call") {
  Fixture f(CpuDeviceMode::kGrouped);
  kubelet::ClaimRef ref = f.Add(kUidA, "a", Share("cpudevnuma001", "3"));
  auto first = f.preparer->Prepare(ref);
  REQUIRE(first.ok());
  const uint64_t generation = f.store.Read().value().generation();
  f.claims.clear();  // the API server is gone
  REQUIRE(::unlink((f.cdi_dir + "/" + cdi::SpecFileName(kUidA)).c_str()) == 0);
  auto again = f.preparer->Prepare(ref);
  REQUIRE(again.ok());
  CHECK(f.fetches == 1);
  CHECK(again->devices == first->devices);
  CHECK(again->log_detail == first->log_detail);
  CHECK(f.store.Read().value().generation() == generation);
  // The CDI file someone removed is back.
  CHECK(cdi::ReadSpec(f.cdi_dir, kUidA).value() == CpuSet::Parse(f.Entry(kUidA).cpus()).value());
}

TEST_CASE("two claims naming one individual CPU: the second fails - naming the reason") {
  Fixture f(CpuDeviceMode::kIndividual);
  REQUIRE(f.preparer->Prepare(f.Add(kUidA, "a", Whole("cpudev000"))).ok());
  auto second = f.preparer->Prepare(f.Add(kUidB, "b", Whole("cpudev000")));
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().rfind("CPUs already exclusive: ", 0) == 0);
  CHECK(f.store.Read().value().claims().count(kUidB) == 0);
  CHECK(cdi::ReadSpec(f.cdi_dir, kUidB).status().code() == Status::Code::kNotFound);
}

TEST_CASE("grouped shares never overlap - and an exhausted group is refused") {
  Fixture f(CpuDeviceMode::kGrouped);
  REQUIRE(f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "3"))).ok());
  auto b = f.preparer->Prepare(f.Add(kUidB, "b", Share("cpudevnuma000", "2")));
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == Status::Code::kResourceExhausted);
  CHECK(b.status().message().rfind("group exhausted: ", 0) == 0);
  auto c = f.preparer->Prepare(f.Add(kUidB, "b", Share("cpudevnuma000", "1")));
  REQUIRE(c.ok());
  CpuSet a_cpus = CpuSet::Parse(f.Entry(kUidA).cpus()).value();
  CpuSet b_cpus = CpuSet::Parse(f.Entry(kUidB).cpus()).value();
  CHECK_FALSE(a_cpus.Intersects(b_cpus));
  CHECK((a_cpus | b_cpus) == CpuSet({0, 1, 4, 5}));
}

TEST_CASE("a claim that would take the last shared CPU is refused") {
  Fixture f(CpuDeviceMode::kGrouped);
  REQUIRE(f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "4"))).ok());
  auto b = f.preparer->Prepare(f.Add(kUidB, "b", Share("cpudevnuma001", "4")));
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message().rfind("would leave the shared pool empty: ", 0) == 0);
}

TEST_CASE("bad claims fail with the reason and leave nothing behind") {
  Fixture f(CpuDeviceMode::kGrouped);
  SECTION("unknown claim") {
    auto r = f.preparer->Prepare({"ns", "missing", kUidA});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kNotFound);
  }
  SECTION("UID mismatch: the claim was re-created") {
    kubelet::ClaimRef ref = f.Add(kUidB, "a", Share("cpudevnuma000", "1"));
    ref.uid = kUidA;
    auto r = f.preparer->Prepare(ref);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().rfind("claim UID mismatch: ", 0) == 0);
  }
  SECTION("fractional CPU capacity") {
    auto r = f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "1500m")));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
  }
  SECTION("a UID unfit for a file name") {
    auto r = f.preparer->Prepare({"ns", "a", "../../etc"});
    REQUIRE_FALSE(r.ok());
    CHECK(f.fetches == 0);
  }
  CHECK(f.store.Read().value().claims_size() == 0);
  CHECK(cdi::ListClaimUids(f.cdi_dir).value().empty());
}

TEST_CASE("a claim with no dra.cpu result prepares to nothing") {
  Fixture f(CpuDeviceMode::kGrouped);
  auto r = f.preparer->Prepare(
      f.Add(kUidA, "a",
            R"([{"request": "g", "driver": "gpu.example.com", "pool": "p", "device": "d"}])"));
  REQUIRE(r.ok());
  CHECK(r->devices.empty());
  CHECK(f.store.Read().value().claims_size() == 0);
}

TEST_CASE("a failed CDI write takes the Preparing entry back") {
  Fixture f(CpuDeviceMode::kGrouped);
  std::ofstream(f.cdi_dir) << "not a folder";
  auto r = f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "1")));
  REQUIRE_FALSE(r.ok());
  CHECK(f.store.Read().value().claims_size() == 0);
}

TEST_CASE("unprepare removes the CDI file and the entry - unknown claims succeed") {
  Fixture f(CpuDeviceMode::kGrouped);
  kubelet::ClaimRef a = f.Add(kUidA, "a", Share("cpudevnuma000", "2"));
  kubelet::ClaimRef b = f.Add(kUidB, "b", Share("cpudevnuma001", "2"));
  REQUIRE(f.preparer->Prepare(a).ok());
  REQUIRE(f.preparer->Prepare(b).ok());
  REQUIRE(f.preparer->Unprepare({"", "", kUidA}).ok());  // the kubelet may send only the UID
  AllocationState state = f.store.Read().value();
  CHECK(state.claims().count(kUidA) == 0);
  CHECK(state.claims().count(kUidB) == 1);
  CHECK(cdi::ListClaimUids(f.cdi_dir).value() == std::vector<std::string>{kUidB});
  CHECK(f.preparer->Unprepare({"ns", "a", kUidA}).ok());
  CHECK(f.preparer->Unprepare({"ns", "x", "cccccccc-0000-4000-8000-000000000003"}).ok());
  // The released CPUs can be prepared again.
  CHECK(
      f.preparer
          ->Prepare(f.Add("dddddddd-0000-4000-8000-000000000004", "d", Share("cpudevnuma000", "4")))
          .ok());
}

TEST_CASE("a state file corrupted while serving is recovered and the call retried") {
  Fixture f(CpuDeviceMode::kGrouped);
  REQUIRE(f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "2"))).ok());
  std::ofstream(f.store.data_path()) << "torn";
  SECTION("without a recovery hook the error is reported") {
    auto r = f.preparer->Prepare(f.Add(kUidB, "b", Share("cpudevnuma000", "2")));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
  SECTION("with one the call succeeds after it") {
    int recoveries = 0;
    ClaimPreparationOptions o;
    o.node_name = kNode;
    o.cdi_dir = f.cdi_dir;
    o.catalog = &f.catalog;
    o.allocate = [&f](const CpuSet&, const CpuSet& free, int n) {
      AllocationRequest r;
      r.cpus = n;
      return f.allocator.Allocate(free, r);
    };
    o.store = &f.store;
    o.fetch_claim = [&f](const std::string& ns, const std::string& name) -> StatusOr<value> {
      return f.claims.at(ns + "/" + name);
    };
    o.recover_state = [&] {
      ++recoveries;
      // What the driver's start-up reconciliation does: the store keeps the file aside.
      Status moved = f.store.Update([](AllocationState*) { return Status::OK(); });
      REQUIRE(moved.code() == Status::Code::kCorruption);
      return f.store.Update([](AllocationState* s) {
        (*s->mutable_claims())[kUidA].set_uid(kUidA);
        (*s->mutable_claims())[kUidA].set_cpus("0,4");
        (*s->mutable_claims())[kUidA].set_phase(StateClaim::PREPARED);
        return Status::OK();
      });
    };
    ClaimPreparation preparer(std::move(o));
    auto r = preparer.Prepare(f.Add(kUidB, "b", Share("cpudevnuma000", "2")));
    REQUIRE(r.ok());
    CHECK(recoveries == 1);
    CHECK_FALSE(CpuSet::Parse(f.Entry(kUidB).cpus()).value().Intersects(CpuSet{0, 4}));
  }
}

TEST_CASE("a claim rebuilt from its CDI file keeps its CPUs when it is prepared again") {
  Fixture f(CpuDeviceMode::kGrouped);
  REQUIRE(f.store
              .Update([](AllocationState* s) {
                StateClaim c;
                c.set_uid(kUidA);
                c.set_cpus("1,5");
                c.set_phase(StateClaim::PREPARED);
                (*s->mutable_claims())[kUidA] = c;
                return Status::OK();
              })
              .ok());
  auto r = f.preparer->Prepare(f.Add(kUidA, "a", Share("cpudevnuma000", "2")));
  REQUIRE(r.ok());
  CHECK(f.fetches == 1);
  StateClaim entry = f.Entry(kUidA);
  CHECK(entry.cpus() == "1,5");
  CHECK(entry.name() == "a");
  CHECK(entry.devices_size() == 1);
  CHECK(cdi::ReadSpec(f.cdi_dir, kUidA).value() == CpuSet({1, 5}));
}

}  // namespace
}  // namespace dracpu::driver
