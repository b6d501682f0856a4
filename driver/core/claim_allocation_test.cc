#include "driver/core/claim_allocation.h"

#include <catch2/catch.hpp>

#include "driver/core/cpu_quantity.h"

namespace dracpu {
namespace {

// resource-api.md §4.9, with a second result for another driver.
const char* const kGroupedClaimV1 = R"({
  "apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
  "metadata": {"name": "pod1-cpus-x7k2p", "namespace": "default",
               "uid": "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10", "resourceVersion": "1234"},
  "spec": {"devices": {"requests": [{"name": "cpus", "exactly": {
      "deviceClassName": "dra.cpu", "capacity": {"requests": {"dra.cpu/cpu": "4"}}}}]}},
  "status": {
    "allocation": {"devices": {"results": [
        {"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": "cpudevnuma000",
         "shareID": "8d7f3a3c-1b2e-4c5d-9e8f-0a1b2c3d4e5f",
         "consumedCapacity": {"dra.cpu/cpu": "4"}},
        {"request": "gpu", "driver": "gpu.example.com", "pool": "node-a", "device": "gpu0"}]},
      "nodeSelector": {"nodeSelectorTerms": [{"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["node-a"]}]}]}},
    "reservedFor": [{"resource": "pods", "name": "pod1", "uid": "b3c0d7a2-7777-4e0e-8c1d-5a6b7c8d9e0f"},
                    {"apiGroup": "example.com", "resource": "jobs", "name": "j", "uid": "job-uid"}]
  }
})";

// The same claim as a v1beta1 server returns it: flat request, identical status.
const char* const kIndividualClaimV1beta1 = R"({
  "apiVersion": "resource.k8s.io/v1beta1", "kind": "ResourceClaim",
  "metadata": {"name": "c", "namespace": "ns", "uid": "u-1"},
  "spec": {"devices": {"requests": [{"name": "cpus", "deviceClassName": "dra.cpu", "count": 2}]}},
  "status": {"allocation": {"devices": {"results": [
      {"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": "cpudev000"},
      {"request": "cpus", "driver": "dra.cpu", "pool": "node-a", "device": "cpudev001"}]}},
    "reservedFor": [{"resource": "pods", "name": "p", "uid": "pod-uid"}]}
})";

TEST_CASE("a grouped v1 claim yields its dra.cpu share and pod") {
  AllocatedClaim c = ParseClaimAllocationJson(kGroupedClaimV1).value();
  CHECK(c.uid == "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10");
  CHECK(c.ns == "default");
  CHECK(c.name == "pod1-cpus-x7k2p");
  CHECK(c.pod_uids == std::vector<std::string>{"b3c0d7a2-7777-4e0e-8c1d-5a6b7c8d9e0f"});
  REQUIRE(c.results.size() == 1);
  CHECK(c.results[0].request == "cpus");
  CHECK(c.results[0].pool == "node-a");
  CHECK(c.results[0].device == "cpudevnuma000");
  CHECK(c.results[0].share_id == "8d7f3a3c-1b2e-4c5d-9e8f-0a1b2c3d4e5f");
  CHECK(c.results[0].cpus == 4);
}

TEST_CASE("v1beta1 and v1beta2 claims parse the same way") {
  AllocatedClaim c = ParseClaimAllocationJson(kIndividualClaimV1beta1).value();
  REQUIRE(c.results.size() == 2);
  CHECK(c.results[1].device == "cpudev001");
  CHECK_FALSE(c.results[1].cpus.has_value());
  CHECK(c.pod_uids == std::vector<std::string>{"pod-uid"});

  auto v = web::json::value::parse(kGroupedClaimV1);
  v["apiVersion"] = web::json::value::string("resource.k8s.io/v1beta2");
  CHECK(ParseClaimAllocation(v).value().results.size() == 1);
}

TEST_CASE("malformed claims get errors that name the problem") {
  auto base = web::json::value::parse(kGroupedClaimV1);
  auto expect = [](const web::json::value& v, Status::Code code, const std::string& words) {
    auto r = ParseClaimAllocation(v);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == code);
    INFO(r.status().ToString());
    CHECK(r.status().message().find(words) != std::string::npos);
  };
  SECTION("not JSON") {
    auto r = ParseClaimAllocationJson("{\"metadata\": ");
    CHECK(r.status().IsCorruption());
  }
  SECTION("not an object") {
    expect(web::json::value::parse("[1]"), Status::Code::kInvalidArgument, "not a JSON object");
  }
  SECTION("missing uid") {
    auto v = base;
    v["metadata"].erase("uid");
    expect(v, Status::Code::kInvalidArgument, "no metadata.uid");
  }
  SECTION("not allocated") {
    auto v = base;
    v["status"].erase("allocation");
    expect(v, Status::Code::kFailedPrecondition, "not allocated");
  }
  SECTION("no device") {
    auto v = base;
    v["status"]["allocation"]["devices"]["results"][0].erase("device");
    expect(v, Status::Code::kInvalidArgument, "results[0]: no device");
  }
  SECTION("fractional CPUs") {
    auto v = base;
    v["status"]["allocation"]["devices"]["results"][0]["consumedCapacity"]["dra.cpu/cpu"] =
        web::json::value::string("1500m");
    expect(v, Status::Code::kInvalidArgument, "whole CPUs only");
  }
  SECTION("results is not a list") {
    auto v = base;
    v["status"]["allocation"]["devices"]["results"] = web::json::value::string("x");
    expect(v, Status::Code::kInvalidArgument, "not a list");
  }
  SECTION("wrong kind") {
    auto v = base;
    v["kind"] = web::json::value::string("Pod");
    expect(v, Status::Code::kInvalidArgument, "kind Pod");
  }
  SECTION("wrong group") {
    auto v = base;
    v["apiVersion"] = web::json::value::string("v1");
    expect(v, Status::Code::kInvalidArgument, "not resource.k8s.io");
  }
  SECTION("a pod consumer without uid") {
    auto v = base;
    v["status"]["reservedFor"][0].erase("uid");
    expect(v, Status::Code::kInvalidArgument, "reservedFor[0] has no uid");
  }
}

TEST_CASE("a claim with only other drivers' results has no dra.cpu result") {
  auto v = web::json::value::parse(kGroupedClaimV1);
  v["status"]["allocation"]["devices"]["results"][0]["driver"] =
      web::json::value::string("dra.cpu.evil");
  AllocatedClaim c = ParseClaimAllocation(v).value();
  CHECK(c.results.empty());
}

TEST_CASE("CPU quantities: whole counts only") {
  CHECK(ParseWholeCpuQuantity("4").value() == 4);
  CHECK(ParseWholeCpuQuantity("4000m").value() == 4);
  CHECK(ParseWholeCpuQuantity("+2").value() == 2);
  CHECK(ParseWholeCpuQuantity("0").value() == 0);
  CHECK(ParseWholeCpuQuantity("2k").value() == 2000);
  CHECK(ParseWholeCpuQuantity("1Ki").value() == 1024);
  CHECK(ParseWholeCpuQuantity("1.5Ki").value() == 1536);
  CHECK(ParseWholeCpuQuantity("2.0").value() == 2);
  CHECK(ParseWholeCpuQuantity("12e2").value() == 1200);
  CHECK(ParseWholeCpuQuantity("1200E-2").value() == 12);
  CHECK(ParseWholeCpuQuantity("3000000000n").value() == 3);
  CHECK(ParseWholeCpuQuantity("8192").value() == 8192);
  for (const char* bad : {"1500m", "0.5", "1u", "4e-1", "1.25"}) {
    auto r = ParseWholeCpuQuantity(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("not a whole number of CPUs") != std::string::npos);
  }
  for (const char* bad : {"", "m", "-4", "4x", "4 ", "1.2.3", "e3", "4e", "4Ki2", "8193", "1E",
                          "99999999999999999999999", "1e400"}) {
    INFO(bad);
    CHECK_FALSE(ParseWholeCpuQuantity(bad).ok());
  }
  CHECK(ParseWholeCpuQuantity(web::json::value::number(int64_t{6})).value() == 6);
  CHECK_FALSE(ParseWholeCpuQuantity(web::json::value::number(1.5)).ok());
  CHECK_FALSE(ParseWholeCpuQuantity(web::json::value::number(int64_t{-1})).ok());
  CHECK_FALSE(ParseWholeCpuQuantity(web::json::value::boolean(true)).ok());
}

}  // namespace
}  // namespace dracpu
