// The stand-in scheduler on plain JSON values: individual devices by count, grouped devices by
// consumable capacity, selectors, matchAttribute, firstAvailable, v1beta1 shapes, exhaustion.

#include "e2e/apiserver/scheduler.h"

#include <catch2/catch.hpp>

#include "e2e/apiserver/equality_selector.h"

namespace dracpu::standin {
namespace {

using Json = web::json::value;

Json Parse(const std::string& text) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

// Individual mode: 8 CPUs, two NUMA nodes (cpudev000-003 on numa 0).
Json IndividualSlice(const std::string& node, int generation = 1) {
  Json s = Parse(R"({"spec": {"driver": "dra.cpu", "nodeName": "", "pool": {"name": "",
      "generation": 1, "resourceSliceCount": 1}, "devices": []}})");
  s["spec"]["nodeName"] = Json::string(node);
  s["spec"]["pool"]["name"] = Json::string(node);
  s["spec"]["pool"]["generation"] = Json::number(generation);
  for (int i = 0; i < 8; ++i) {
    Json d = Json::object();
    char name[16];
    std::snprintf(name, sizeof(name), "cpudev%03d", i);
    d["name"] = Json::string(name);
    d["attributes"]["dra.cpu/cpuID"]["int"] = Json::number(i);
    d["attributes"]["resource.kubernetes.io/numaNode"]["int"] = Json::number(i / 4);
    s["spec"]["devices"][i] = d;
  }
  return s;
}

// Grouped mode: two NUMA devices with 6 and 8 CPUs of consumable capacity.
Json GroupedSlice(const std::string& node) {
  Json s = Parse(R"({"spec": {"driver": "dra.cpu", "pool": {"generation": 1,
      "resourceSliceCount": 1}, "devices": [
    {"name": "cpudevnuma000", "allowMultipleAllocations": true,
     "attributes": {"resource.kubernetes.io/numaNode": {"int": 0}, "dra.cpu/numCPUs": {"int": 6}},
     "capacity": {"dra.cpu/cpu": {"value": "6"}}},
    {"name": "cpudevnuma001", "allowMultipleAllocations": true,
     "attributes": {"resource.kubernetes.io/numaNode": {"int": 1}, "dra.cpu/numCPUs": {"int": 8}},
     "capacity": {"dra.cpu/cpu": {"value": "8"}}}]}})");
  s["spec"]["nodeName"] = Json::string(node);
  s["spec"]["pool"]["name"] = Json::string(node);
  return s;
}

std::map<std::string, Json> Classes() {
  return {{"dra.cpu", Parse(R"({"metadata": {"name": "dra.cpu"}, "spec": {"selectors": [
              {"cel": {"expression": "device.driver == \"dra.cpu\""}}]}})")}};
}

Json Claim(const std::string& request_body) {
  return Parse(R"({"metadata": {"name": "c", "namespace": "default", "uid": "u1"},
                   "spec": {"devices": {"requests": [{"name": "cpus", "exactly": )" +
               request_body + "}]}}}");
}

SchedulerInput Input(Json claim, std::vector<Json> slices, std::vector<Json> others = {}) {
  SchedulerInput in;
  in.claim = std::move(claim);
  in.slices = std::move(slices);
  in.device_classes = Classes();
  in.other_claims = std::move(others);
  return in;
}

std::vector<std::string> Devices(const Json& allocation) {
  std::vector<std::string> out;
  for (const auto& r : allocation.at("devices").at("results").as_array()) {
    out.push_back(r.at("device").as_string());
  }
  return out;
}

Json Allocated(const Json& claim, const Json& allocation) {
  Json c = claim;
  c["status"]["allocation"] = allocation;
  return c;
}

TEST_CASE("individual: exactly count devices, in slice order, skipping taken ones", "[scheduler]") {
  SchedulerInput in =
      Input(Claim(R"({"deviceClassName": "dra.cpu", "count": 3})"), {IndividualSlice("node-a")});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  CHECK(Devices(*a) == std::vector<std::string>{"cpudev000", "cpudev001", "cpudev002"});
  const Json& r = a->at("devices").at("results").at(0);
  CHECK(r.at("request").as_string() == "cpus");
  CHECK(r.at("driver").as_string() == "dra.cpu");
  CHECK(r.at("pool").as_string() == "node-a");
  CHECK_FALSE(r.has_field("consumedCapacity"));
  CHECK(a->at("nodeSelector")
            .at("nodeSelectorTerms")
            .at(0)
            .at("matchFields")
            .at(0)
            .at("values")
            .at(0)
            .as_string() == "node-a");

  in.other_claims.push_back(Allocated(in.claim, *a));
  in.claim = Claim(R"({"deviceClassName": "dra.cpu", "count": 4})");
  auto b = Allocate(in);
  REQUIRE(b.ok());
  CHECK(Devices(*b) ==
        std::vector<std::string>{"cpudev003", "cpudev004", "cpudev005", "cpudev006"});
  in.other_claims.push_back(Allocated(in.claim, *b));
  in.claim = Claim(R"({"deviceClassName": "dra.cpu", "count": 2})");
  CHECK(Allocate(in).status().IsResourceExhausted());
  in.claim = Claim(R"({"deviceClassName": "dra.cpu", "allocationMode": "All"})");
  auto rest = Allocate(in);
  REQUIRE(rest.ok());
  CHECK(Devices(*rest) == std::vector<std::string>{"cpudev007"});
}

TEST_CASE("grouped: consumable capacity shares never exceed a group's CPUs", "[scheduler]") {
  SchedulerInput in = Input(Claim(R"({"deviceClassName": "dra.cpu",
                              "capacity": {"requests": {"dra.cpu/cpu": "4"}}})"),
                            {GroupedSlice("node-a")});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  const Json& r = a->at("devices").at("results").at(0);
  CHECK(r.at("device").as_string() == "cpudevnuma000");
  CHECK(r.at("consumedCapacity").at("dra.cpu/cpu").as_string() == "4");
  CHECK(r.at("shareID").as_string().size() == 36);

  // 2 of 6 left on numa0: a 4-CPU request goes to numa1, a 2-CPU one still fits numa0.
  in.other_claims.push_back(Allocated(in.claim, *a));
  auto b = Allocate(in);
  REQUIRE(b.ok());
  CHECK(Devices(*b) == std::vector<std::string>{"cpudevnuma001"});
  in.other_claims.push_back(Allocated(in.claim, *b));
  in.claim = Claim(R"({"deviceClassName": "dra.cpu",
                       "capacity": {"requests": {"dra.cpu/cpu": "2"}}})");
  auto c = Allocate(in);
  REQUIRE(c.ok());
  CHECK(Devices(*c) == std::vector<std::string>{"cpudevnuma000"});
  CHECK(c->at("devices").at("results").at(0).at("shareID") !=
        a->at("devices").at("results").at(0).at("shareID"));
  in.other_claims.push_back(Allocated(in.claim, *c));
  in.claim = Claim(R"({"deviceClassName": "dra.cpu",
                       "capacity": {"requests": {"dra.cpu/cpu": "5"}}})");
  CHECK(Allocate(in).status().IsResourceExhausted());  // numa1 has 4 left
  // A request larger than any group is never eligible.
  in.other_claims.clear();
  in.claim = Claim(R"({"deviceClassName": "dra.cpu",
                       "capacity": {"requests": {"dra.cpu/cpu": "9"}}})");
  CHECK(Allocate(in).status().IsResourceExhausted());
}

TEST_CASE("grouped: a request without capacity takes the whole group", "[scheduler]") {
  SchedulerInput in = Input(Claim(R"({"deviceClassName": "dra.cpu"})"), {GroupedSlice("n")});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  CHECK(a->at("devices").at("results").at(0).at("consumedCapacity").at("dra.cpu/cpu").as_string() ==
        "6");
}

TEST_CASE("selectors by attribute equality, and unsupported CEL is refused", "[scheduler]") {
  SchedulerInput in =
      Input(Claim(R"({"deviceClassName": "dra.cpu", "count": 2, "selectors": [{"cel":
      {"expression": "device.attributes[\"resource.kubernetes.io\"].numaNode == 1"}}]})"),
            {IndividualSlice("node-a")});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  CHECK(Devices(*a) == std::vector<std::string>{"cpudev004", "cpudev005"});

  in.claim = Claim(R"({"deviceClassName": "dra.cpu", "selectors": [{"cel":
      {"expression": "device.attributes[\"dra.cpu\"].cpuID > 3"}}]})");
  auto s = Allocate(in).status();
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("cpuID > 3") != std::string::npos);

  in.claim = Claim(R"({"deviceClassName": "gpu"})");
  CHECK(Allocate(in).status().code() == Status::Code::kFailedPrecondition);
}

TEST_CASE("matchAttribute keeps all devices on one NUMA node", "[scheduler]") {
  Json claim = Parse(R"({"metadata": {"uid": "u"}, "spec": {"devices": {
      "requests": [{"name": "a", "exactly": {"deviceClassName": "dra.cpu", "count": 2}},
                   {"name": "b", "exactly": {"deviceClassName": "dra.cpu", "count": 2}}],
      "constraints": [{"matchAttribute": "resource.kubernetes.io/numaNode"}]}}})");
  Json taken = Claim(R"({"deviceClassName": "dra.cpu"})");
  taken["status"] = Parse(R"({"allocation": {"devices": {"results": [
      {"request": "x", "driver": "dra.cpu", "pool": "node-a", "device": "cpudev001"}]}}})");
  SchedulerInput in = Input(claim, {IndividualSlice("node-a")}, {taken});
  auto a = Allocate(in);
  REQUIRE(a.ok());  // numa0 has 3 free, so all four come from numa1
  CHECK(Devices(*a) ==
        std::vector<std::string>{"cpudev004", "cpudev005", "cpudev006", "cpudev007"});
}

TEST_CASE("firstAvailable falls back, results name request/subrequest", "[scheduler]") {
  Json claim = Parse(R"({"spec": {"devices": {"requests": [{"name": "cpus", "firstAvailable": [
      {"name": "big", "deviceClassName": "dra.cpu", "count": 20},
      {"name": "small", "deviceClassName": "dra.cpu", "count": 2}]}]}}})");
  SchedulerInput in = Input(claim, {IndividualSlice("node-a")});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  CHECK(a->at("devices").at("results").at(0).at("request").as_string() == "cpus/small");
  CHECK(a->at("devices").at("results").size() == 2);
}

TEST_CASE("v1beta1 shapes, only the newest pool generation, node restriction", "[scheduler]") {
  Json old_gen = IndividualSlice("node-a", 1);
  Json beta = Parse(R"({"spec": {"driver": "dra.cpu", "nodeName": "node-a", "pool": {"name":
      "node-a", "generation": 2, "resourceSliceCount": 1}, "devices": [
      {"name": "cpudev100", "basic": {"attributes": {"cpuID": {"int": 100}}}}]}})");
  Json claim = Parse(R"({"spec": {"devices": {"requests": [{"name": "cpus",
      "deviceClassName": "dra.cpu", "count": 1, "selectors": [{"cel": {"expression":
      "device.attributes[\"dra.cpu\"].cpuID == 100"}}]}]}}})");
  SchedulerInput in = Input(claim, {old_gen, beta});
  auto a = Allocate(in);
  REQUIRE(a.ok());
  CHECK(Devices(*a) == std::vector<std::string>{"cpudev100"});
  in.claim = Claim(R"({"deviceClassName": "dra.cpu", "count": 2})");
  CHECK(Allocate(in).status().IsResourceExhausted());  // generation 1 slice is obsolete

  SchedulerInput two = Input(Claim(R"({"deviceClassName": "dra.cpu", "count": 1})"),
                             {IndividualSlice("node-a"), IndividualSlice("node-b")});
  two.node = "node-b";
  auto b = Allocate(two);
  REQUIRE(b.ok());
  CHECK(b->at("devices").at("results").at(0).at("pool").as_string() == "node-b");
}

TEST_CASE("quantities and equality selector parsing", "[scheduler]") {
  CHECK(*ParseQuantityMilli("4") == 4000);
  CHECK(*ParseQuantityMilli("500m") == 500);
  CHECK(*ParseQuantityMilli("2k") == 2000000);
  CHECK_FALSE(ParseQuantityMilli("").ok());
  CHECK_FALSE(ParseQuantityMilli("1.5").ok());
  CHECK_FALSE(ParseQuantityMilli("4X").ok());
  CHECK(FormatQuantityMilli(4000) == "4");
  CHECK(FormatQuantityMilli(1500) == "1500m");

  auto sel = EqualitySelector::Parse(
      R"(device.driver == "dra.cpu" && device.attributes["dra.cpu"].smtEnabled == true)");
  REQUIRE(sel.ok());
  Json attrs = Parse(R"({"dra.cpu/smtEnabled": {"bool": true}})");
  CHECK(sel->Matches("dra.cpu", attrs));
  CHECK_FALSE(sel->Matches("other", attrs));
  CHECK_FALSE(sel->Matches("dra.cpu", Parse(R"({"dra.cpu/smtEnabled": {"bool": false}})")));
  CHECK_FALSE(sel->Matches("dra.cpu", Json::object()));
  CHECK_FALSE(EqualitySelector::Parse("device.driver != \"x\"").ok());
  CHECK_FALSE(EqualitySelector::Parse("has(device.attributes[\"a\"].b)").ok());
}

}  // namespace
}  // namespace dracpu::standin
