#include "driver/core/resource_slices.h"

#include <catch2/catch.hpp>

#include "common/testing/synthetic_topology.h"
#include "driver/core/api_version.h"
#include "driver/core/json_util.h"
#include "driver/core/test_topologies.h"

namespace dracpu {
namespace {

DeviceCatalog Catalog(const Topology& t, CpuDeviceMode mode, GroupBy by, CpuSet reserved = {}) {
  return DeviceCatalog::Build(t, {mode, by, reserved}).value();
}

SlicePoolParams Params() { return {"node-a", "6f1c2a9e-0000-4000-8000-000000000001", 1}; }

TEST_CASE("grouped NUMA slice matches the example of resource-api.md section 3.10") {
  // 30 allocatable CPUs on NUMA node 0 of socket 0, SMT on: reserve 2 of 32.
  testing::SyntheticShape shape{1, 1, 1, 16, 2, {}};
  Topology t = testing::SyntheticTopology(shape);
  auto slices = BuildResourceSlices(
      Catalog(t, CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {0, 16}), Params());
  REQUIRE(slices.size() == 1);
  web::json::value want = web::json::value::parse(R"({
    "apiVersion": "resource.k8s.io/v1",
    "kind": "ResourceSlice",
    "metadata": {
      "generateName": "00000-dra.cpu-node-a-",
      "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": "node-a",
                           "uid": "6f1c2a9e-0000-4000-8000-000000000001", "controller": true}]
    },
    "spec": {
      "driver": "dra.cpu",
      "nodeName": "node-a",
      "pool": {"name": "node-a", "generation": 1, "resourceSliceCount": 1},
      "devices": [{
        "name": "cpudevnuma000",
        "allowMultipleAllocations": true,
        "attributes": {
          "resource.kubernetes.io/numaNode": {"int": 0},
          "dra.cpu/socketID": {"int": 0},
          "dra.cpu/numCPUs": {"int": 30},
          "dra.cpu/smtEnabled": {"bool": true},
          "dra.cpu/numaNodeID": {"int": 0},
          "dra.net/numaNode": {"int": 0}
        },
        "capacity": {"dra.cpu/cpu": {"value": "30"}}
      }]
    }
  })");
  CHECK(JsonEqual(slices[0], want));
  INFO(slices[0].serialize());
}

TEST_CASE("individual mode on 1024 CPUs is chunked into slices of 128") {
  Topology t = testing::SyntheticTopology(testing::Shape1024());
  SlicePoolParams params = Params();
  params.generation = 7;
  auto slices = BuildResourceSlices(
      Catalog(t, CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {0, 512}), params);
  REQUIRE(slices.size() == 8);  // 1022 devices
  size_t total = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    const web::json::value& spec = slices[i].at("spec");
    CHECK(spec.at("pool").at("generation").as_number().to_int64() == 7);
    CHECK(spec.at("pool").at("resourceSliceCount").as_number().to_int64() == 8);
    CHECK(spec.at("pool").at("name").as_string() == "node-a");
    CHECK(spec.at("nodeName").as_string() == "node-a");
    CHECK(spec.at("driver").as_string() == "dra.cpu");
    CHECK(spec.at("devices").size() == (i < 7 ? 128u : 126u));
    CHECK(SliceIndexFromName(slices[i].at("metadata").at("generateName").as_string()) == i);
    total += spec.at("devices").size();
  }
  CHECK(total == 1022);
  const web::json::value& first = slices[0].at("spec").at("devices").at(0);
  CHECK(first.at("name").as_string() == "cpudev000");
  CHECK(first.at("attributes").at("dra.cpu/cpuID").at("int").as_number().to_int64() == 1);
  CHECK(first.at("attributes").at("dra.cpu/coreType").at("string").as_string() == "standard");
  CHECK(first.at("attributes").at("dra.cpu/smtEnabled").at("bool").as_bool());
  CHECK_FALSE(first.has_field("capacity"));
  CHECK_FALSE(first.has_field("allowMultipleAllocations"));
  CHECK(slices[7].at("spec").at("devices").at(125).at("name").as_string() == "cpudev1021");
}

TEST_CASE("exactly 128 devices make one slice, 129 make two") {
  testing::SyntheticShape shape{1, 1, 1, 64, 2, {}};
  Topology t = testing::SyntheticTopology(shape);
  CHECK(BuildResourceSlices(Catalog(t, CpuDeviceMode::kIndividual, GroupBy::kNumaNode), Params())
            .size() == 1);
  shape.cores_per_l3 = 65;
  shape.threads_per_core = 2;
  Topology t2 = testing::SyntheticTopology(shape);
  auto two = BuildResourceSlices(Catalog(t2, CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {0}),
                                 Params());
  REQUIRE(two.size() == 2);  // 129 devices
  CHECK(two[1].at("spec").at("devices").size() == 1);
  CHECK(two[1].at("metadata").at("generateName").as_string() == "00001-dra.cpu-node-a-");
}

TEST_CASE("v1beta1 wraps device fields in basic, and back") {
  Topology t = testing::EightCpuTwoNode();
  auto slices =
      BuildResourceSlices(Catalog(t, CpuDeviceMode::kGrouped, GroupBy::kSocket), Params());
  web::json::value beta1 = SliceFromV1(slices[0], ResourceApiVersion::kV1beta1);
  CHECK(beta1.at("apiVersion").as_string() == "resource.k8s.io/v1beta1");
  const web::json::value& dev = beta1.at("spec").at("devices").at(0);
  CHECK(dev.size() == 2);
  CHECK(dev.at("name").as_string() == "cpudevsocket000");
  CHECK(dev.at("basic").at("allowMultipleAllocations").as_bool());
  CHECK(dev.at("basic").at("capacity").at("dra.cpu/cpu").at("value").as_string() == "4");
  CHECK(dev.at("basic").has_field("attributes"));

  auto back = SliceToV1(beta1, ResourceApiVersion::kV1beta1);
  REQUIRE(back.ok());
  CHECK(JsonEqual(*back, slices[0]));

  web::json::value beta2 = SliceFromV1(slices[0], ResourceApiVersion::kV1beta2);
  CHECK(beta2.at("apiVersion").as_string() == "resource.k8s.io/v1beta2");
  CHECK(JsonEqual(beta2.at("spec"), slices[0].at("spec")));

  web::json::value broken = beta1;
  broken["spec"]["devices"][0] = web::json::value::parse(R"({"name": "x"})");
  CHECK_FALSE(SliceToV1(broken, ResourceApiVersion::kV1beta1).ok());
}

TEST_CASE("api versions parse and name themselves") {
  CHECK(ParseResourceApiVersion("v1beta2").value() == ResourceApiVersion::kV1beta2);
  CHECK_FALSE(ParseResourceApiVersion("v2").ok());
  CHECK(ResourceGroupVersion(ResourceApiVersion::kV1beta1) == "resource.k8s.io/v1beta1");
  auto v = VersionOfObject(web::json::value::parse(R"({"apiVersion":"resource.k8s.io/v1beta1"})"));
  CHECK(v.value() == ResourceApiVersion::kV1beta1);
  CHECK_FALSE(VersionOfObject(web::json::value::parse(R"({"apiVersion":"v1"})")).ok());
}

TEST_CASE("slice names encode the index in hex") {
  CHECK(SliceGenerateName(0, "n") == "00000-dra.cpu-n-");
  CHECK(SliceGenerateName(255, "n") == "000ff-dra.cpu-n-");
  CHECK(SliceGenerateName(0x123456, "n") == "123456-dra.cpu-n-");
  CHECK(SliceIndexFromName("000ff-dra.cpu-n-abcde") == 255u);
  CHECK_FALSE(SliceIndexFromName("node-a-dra.cpu-xyz").has_value());
  CHECK_FALSE(SliceIndexFromName("-x").has_value());
  CHECK_FALSE(SliceIndexFromName("00000").has_value());
}

TEST_CASE("JsonEqual ignores key order and number representation") {
  auto a = web::json::value::parse(R"({"a": 1, "b": [true, "x"]})");
  web::json::value b = web::json::value::object(true);
  b["b"] =
      web::json::value::array({web::json::value::boolean(true), web::json::value::string("x")});
  b["a"] = web::json::value::number(int64_t{1});
  CHECK(JsonEqual(a, b));
  b["a"] = web::json::value::number(int64_t{2});
  CHECK_FALSE(JsonEqual(a, b));
  CHECK_FALSE(JsonEqual(web::json::value::parse("[1,2]"), web::json::value::parse("[2,1]")));
}

TEST_CASE("without a Node uid the slices carry no ownerReference") {
  Topology t = testing::EightCpuTwoNode();
  auto slices = BuildResourceSlices(Catalog(t, CpuDeviceMode::kGrouped, GroupBy::kMachine),
                                    {"node-a", "", 1});
  CHECK_FALSE(slices[0].at("metadata").has_field("ownerReferences"));
  CHECK(slices[0].at("metadata").at("generateName").as_string() == "00000-dra.cpu-node-a-");
}

}  // namespace
}  // namespace dracpu
