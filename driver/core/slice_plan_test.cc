#include "driver/core/slice_plan.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "driver/core/json_util.h"
#include "driver/core/resource_slices.h"
#include "driver/core/test_topologies.h"

namespace dracpu {
namespace {

// Desired slices for the 8-CPU test machine, `per_slice` devices each (individual mode).
std::vector<web::json::value> Desired(size_t per_slice, CpuSet reserved = {}) {
  Topology t = testing::EightCpuTwoNode();
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, reserved}).value();
  return BuildResourceSlices(c, {"node-a", "uid-n", 1, per_slice});
}

// What the server would hold after creating `slice` with generation `gen`.
web::json::value Stored(const web::json::value& slice, const std::string& suffix, int64_t gen,
                        int64_t count) {
  web::json::value s = slice;
  std::string name = s.at("metadata").at("generateName").as_string() + suffix;
  s["metadata"]["name"] = web::json::value::string(name);
  s["metadata"]["uid"] = web::json::value::string("uid-" + name);
  s["metadata"]["resourceVersion"] = web::json::value::string("rv-" + suffix);
  s["spec"]["pool"]["generation"] = web::json::value::number(gen);
  s["spec"]["pool"]["resourceSliceCount"] = web::json::value::number(count);
  return s;
}

SliceSyncInput Input(std::vector<web::json::value> desired,
                     std::vector<web::json::value> existing) {
  SliceSyncInput in;
  in.desired = std::move(desired);
  in.existing = std::move(existing);
  in.pool_name = "node-a";
  return in;
}

int64_t Generation(const web::json::value& s) {
  return s.at("spec").at("pool").at("generation").as_number().to_int64();
}

TEST_CASE("first publication creates every slice with generation 1") {
  auto plan = PlanSliceSync(Input(Desired(3), {})).value();
  CHECK(plan.generation == 1);
  CHECK(plan.deletes.empty());
  CHECK(plan.updates.empty());
  REQUIRE(plan.creates.size() == 3);
  for (const auto& c : plan.creates) {
    CHECK(Generation(c) == 1);
    CHECK(c.at("spec").at("pool").at("resourceSliceCount").as_number().to_int64() == 3);
  }
}

TEST_CASE("an up-to-date pool needs no call") {
  auto desired = Desired(3);
  std::vector<web::json::value> existing;
  for (const auto& d : desired) existing.push_back(Stored(d, "abcde", 4, 3));
  auto plan = PlanSliceSync(Input(desired, existing)).value();
  CHECK(plan.empty());
  CHECK(plan.generation == 4);
}

TEST_CASE("a deleted slice is re-created under a new generation and the others rewritten") {
  auto desired = Desired(3);
  std::vector<web::json::value> existing = {Stored(desired[0], "aaaaa", 2, 3),
                                            Stored(desired[2], "ccccc", 2, 3)};
  auto plan = PlanSliceSync(Input(desired, existing)).value();
  CHECK(plan.generation == 3);
  CHECK(plan.deletes.empty());
  REQUIRE(plan.creates.size() == 1);
  CHECK(plan.creates[0].at("metadata").at("generateName").as_string() == "00001-dra.cpu-node-a-");
  REQUIRE(plan.updates.size() == 2);
  for (const auto& u : plan.updates) {
    CHECK(Generation(u) == 3);
    CHECK(u.at("metadata").at("resourceVersion").as_string().rfind("rv-", 0) == 0);
  }
}

TEST_CASE("one slice edited by someone else is put back without a generation bump") {
  auto desired = Desired(3);
  std::vector<web::json::value> existing;
  for (const auto& d : desired) existing.push_back(Stored(d, "xxxxx", 5, 3));
  existing[1]["spec"]["devices"][0]["attributes"]["dra.cpu/cpuID"]["int"] =
      web::json::value::number(int64_t{42});
  auto plan = PlanSliceSync(Input(desired, existing)).value();
  CHECK(plan.generation == 5);
  CHECK(plan.creates.empty());
  CHECK(plan.deletes.empty());
  REQUIRE(plan.updates.size() == 1);
  CHECK(plan.updates[0].at("metadata").at("name").as_string() == "00001-dra.cpu-node-a-xxxxx");
  CHECK(JsonEqual(plan.updates[0].at("spec").at("devices"), desired[1].at("spec").at("devices")));
}

TEST_CASE("two changed slices bump the generation for all") {
  auto old_desired = Desired(4);
  std::vector<web::json::value> existing;
  for (const auto& d : old_desired) existing.push_back(Stored(d, "yyyyy", 1, 2));
  auto plan = PlanSliceSync(Input(Desired(4, {0}), existing)).value();  // reserve CPU 0
  CHECK(plan.generation == 2);
  CHECK(plan.updates.size() == 2);
  for (const auto& u : plan.updates) CHECK(Generation(u) == 2);
}

TEST_CASE("shrinking the pool deletes the extra slice and rewrites the count") {
  auto old_desired = Desired(3);  // 3 slices
  std::vector<web::json::value> existing;
  for (const auto& d : old_desired) existing.push_back(Stored(d, "zzzzz", 1, 3));
  auto plan = PlanSliceSync(Input(Desired(4), existing)).value();  // 2 slices
  REQUIRE(plan.deletes.size() == 1);
  CHECK(plan.deletes[0].name == "00002-dra.cpu-node-a-zzzzz");
  CHECK(plan.deletes[0].uid == "uid-00002-dra.cpu-node-a-zzzzz");
  CHECK(plan.deletes[0].resource_version == "rv-zzzzz");
  CHECK(plan.generation == 2);
  REQUIRE(plan.updates.size() == 2);
  CHECK(plan.updates[0].at("spec").at("pool").at("resourceSliceCount").as_number().to_int64() == 2);
}

TEST_CASE("old generations, foreign names, duplicates and other pools are deleted") {
  auto desired = Desired(8);  // 1 slice
  web::json::value current = Stored(desired[0], "aaaaa", 3, 1);
  web::json::value duplicate = Stored(desired[0], "bbbbb", 3, 1);
  web::json::value stale = Stored(desired[0], "ccccc", 2, 1);
  web::json::value foreign = Stored(desired[0], "ddddd", 3, 1);
  foreign["metadata"]["name"] = web::json::value::string("node-a-dra.cpu-q7x2z");
  web::json::value other_pool = Stored(desired[0], "eeeee", 9, 1);
  other_pool["spec"]["pool"]["name"] = web::json::value::string("old-pool");
  auto plan =
      PlanSliceSync(Input(desired, {duplicate, stale, current, foreign, other_pool})).value();
  std::vector<std::string> deleted;
  for (const auto& d : plan.deletes) deleted.push_back(d.name);
  std::sort(deleted.begin(), deleted.end());
  CHECK(deleted.size() == 4);
  CHECK(std::count(deleted.begin(), deleted.end(), "00000-dra.cpu-node-a-aaaaa") == 0);
  CHECK(std::count(deleted.begin(), deleted.end(), "00000-dra.cpu-node-a-bbbbb") == 1);
  CHECK(std::count(deleted.begin(), deleted.end(), "00000-dra.cpu-node-a-ccccc") == 1);
  CHECK(std::count(deleted.begin(), deleted.end(), "node-a-dra.cpu-q7x2z") == 1);
  CHECK(std::count(deleted.begin(), deleted.end(), "00000-dra.cpu-node-a-eeeee") == 1);
  CHECK(plan.generation == 3);
  CHECK(plan.updates.empty());
  CHECK(plan.creates.empty());
}

TEST_CASE("an empty desired pool deletes everything") {
  auto desired = Desired(8);
  auto plan = PlanSliceSync(Input({}, {Stored(desired[0], "aaaaa", 1, 1)})).value();
  CHECK(plan.deletes.size() == 1);
  CHECK(plan.creates.empty());
  CHECK(plan.updates.empty());
}

TEST_CASE("a requested higher generation is used") {
  auto desired = Desired(8);
  SliceSyncInput in = Input(desired, {Stored(desired[0], "aaaaa", 1, 1)});
  in.requested_generation = 10;
  auto plan = PlanSliceSync(in).value();
  CHECK(plan.generation == 10);
  REQUIRE(plan.updates.size() == 1);
  CHECK(Generation(plan.updates[0]) == 10);
}

TEST_CASE("v1beta1: existing slices are read and plans written in the beta shape") {
  auto desired = Desired(8);
  web::json::value stored =
      SliceFromV1(Stored(desired[0], "aaaaa", 1, 1), ResourceApiVersion::kV1beta1);
  SliceSyncInput in = Input(desired, {stored});
  in.version = ResourceApiVersion::kV1beta1;
  CHECK(PlanSliceSync(in).value().empty());
  in.existing.clear();
  auto plan = PlanSliceSync(in).value();
  REQUIRE(plan.creates.size() == 1);
  CHECK(plan.creates[0].at("apiVersion").as_string() == "resource.k8s.io/v1beta1");
  CHECK(plan.creates[0].at("spec").at("devices").at(0).has_field("basic"));
}

TEST_CASE("a malformed existing slice is an error, not a plan") {
  auto desired = Desired(8);
  web::json::value nameless = Stored(desired[0], "aaaaa", 1, 1);
  nameless["metadata"] = web::json::value::object();
  CHECK(PlanSliceSync(Input(desired, {nameless})).status().IsInvalidArgument());
  web::json::value poolless = Stored(desired[0], "aaaaa", 1, 1);
  poolless["spec"] = web::json::value::object();
  CHECK(PlanSliceSync(Input(desired, {poolless})).status().IsInvalidArgument());
}

TEST_CASE("a server that drops a gated field is detected") {
  Topology t = testing::EightCpuTwoNode();
  DeviceCatalog c =
      DeviceCatalog::Build(t, {CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {}}).value();
  for (auto version : {ResourceApiVersion::kV1, ResourceApiVersion::kV1beta1}) {
    web::json::value sent = SliceFromV1(BuildResourceSlices(c, {"node-a", "u", 1})[0], version);
    web::json::value returned = web::json::value::parse(sent.serialize());
    returned["metadata"]["resourceVersion"] = web::json::value::string("17");
    CHECK(ServerKeptSliceSpec(sent, returned, version));
    web::json::value& dev = returned["spec"]["devices"][0];
    if (version == ResourceApiVersion::kV1beta1) {
      dev["basic"].erase("allowMultipleAllocations");
    } else {
      dev.erase("allowMultipleAllocations");
    }
    CHECK_FALSE(ServerKeptSliceSpec(sent, returned, version));
  }
}

TEST_CASE("a removed Node ownerReference is put back") {
  auto desired = Desired(8);
  web::json::value stored = Stored(desired[0], "aaaaa", 1, 1);
  stored["metadata"].erase("ownerReferences");
  auto plan = PlanSliceSync(Input(desired, {stored})).value();
  REQUIRE(plan.updates.size() == 1);
  CHECK(plan.generation == 1);
  CHECK(JsonEqual(plan.updates[0].at("metadata").at("ownerReferences"),
                  desired[0].at("metadata").at("ownerReferences")));
  CHECK(plan.updates[0].at("metadata").at("resourceVersion").as_string() == "rv-aaaaa");
}

}  // namespace
}  // namespace dracpu
