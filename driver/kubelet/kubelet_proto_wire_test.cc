// The kubelet protos against bytes worked out by hand from the field tables of
// shared/spec/kubelet-dra.md (the spec has no captured examples): a wrong field number or type
// changes these bytes. Also the wire names the kubelet dials and the v1/v1beta1 conversion.

#include <catch2/catch.hpp>
#include <string>

#include "driver/kubelet/dra_convert.h"
#include "proto/kubelet_dra_health_v1.pb.h"
#include "proto/kubelet_dra_health_v1alpha1.pb.h"
#include "proto/kubelet_dra_v1.grpc.pb.h"
#include "proto/kubelet_dra_v1beta1.grpc.pb.h"
#include "proto/kubelet_pluginregistration.grpc.pb.h"

namespace drav1 = ::k8s::io::kubelet::pkg::apis::dra::v1;
namespace drav1beta1 = ::k8s::io::kubelet::pkg::apis::dra::v1beta1;

namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

template <class Msg>
std::string Wire(const Msg& m) {
  std::string out;
  REQUIRE(m.SerializeToString(&out));
  return out;
}

}  // namespace

TEST_CASE("Claim: namespace=1 uid=2 name=3, both versions", "[kubelet][proto]") {
  const std::string want = Bytes({0x0a, 2, 'n', 's', 0x12, 2, 'u', '1', 0x1a, 1, 'c'});
  drav1::Claim v1;
  dracpu::kubelet::ClaimToWire({"ns", "c", "u1"}, &v1);
  CHECK(Wire(v1) == want);
  drav1beta1::Claim beta;
  dracpu::kubelet::ClaimToWire({"ns", "c", "u1"}, &beta);
  CHECK(Wire(beta) == want);
}

TEST_CASE("Device: v1 share_id=5 has explicit presence, v1beta1 has none", "[kubelet][proto]") {
  dracpu::kubelet::PreparedDevice d{{"r"}, "p", "d", {"x"}, std::string()};
  const std::string common = Bytes({0x0a, 1, 'r', 0x12, 1, 'p', 0x1a, 1, 'd', 0x22, 1, 'x'});
  drav1::Device v1;
  dracpu::kubelet::DeviceToWire(d, &v1);
  CHECK(Wire(v1) == common + Bytes({0x2a, 0}));  // empty but present
  drav1beta1::Device beta;
  dracpu::kubelet::DeviceToWire(d, &beta);
  CHECK(Wire(beta) == common);

  d.share_id.reset();
  drav1::Device unshared;
  dracpu::kubelet::DeviceToWire(d, &unshared);
  CHECK(Wire(unshared) == common);
}

TEST_CASE("NodePrepareResourcesResponse: map<uid, response> at field 1", "[kubelet][proto]") {
  drav1::NodePrepareResourcesResponse r;
  dracpu::kubelet::ClaimOutcome failed;
  failed.error = "e";
  dracpu::kubelet::PrepareOutcomesToWire({{"u", failed}}, &r);
  // claims{key "u", value {error(2) "e"}}
  CHECK(Wire(r) == Bytes({0x0a, 8, 0x0a, 1, 'u', 0x12, 3, 0x12, 1, 'e'}));

  drav1::NodeUnprepareResourcesResponse u;
  dracpu::kubelet::UnprepareErrorsToWire({{"u", "e"}, {"k", ""}}, &u);
  drav1::NodeUnprepareResourcesResponse parsed;
  REQUIRE(parsed.ParseFromString(Wire(u)));
  CHECK(parsed.claims().size() == 2);  // an empty entry is still an entry
  CHECK(parsed.claims().at("u").error() == "e");
  // NodeUnprepareResourceResponse.error is field 1.
  CHECK(Wire(parsed.claims().at("u")) == Bytes({0x0a, 1, 'e'}));
}

TEST_CASE("v1 and v1beta1 responses are wire-compatible", "[kubelet][proto]") {
  dracpu::kubelet::ClaimOutcome ok;
  ok.devices.push_back({{"req"}, "node-a", "cpudev001", {"dra.k8s.io/cpu=claim-u1"}, "s1"});
  drav1::NodePrepareResourcesResponse v1;
  dracpu::kubelet::PrepareOutcomesToWire({{"u1", ok}}, &v1);
  drav1beta1::NodePrepareResourcesResponse beta;
  REQUIRE(beta.ParseFromString(Wire(v1)));
  auto back = dracpu::kubelet::PrepareOutcomesFromWire(beta);
  REQUIRE(back.count("u1"));
  REQUIRE(back["u1"].devices.size() == 1);
  auto d = back["u1"].devices[0];
  CHECK(d.pool_name == "node-a");
  CHECK(d.device_name == "cpudev001");
  CHECK(d.cdi_device_ids == std::vector<std::string>{"dra.k8s.io/cpu=claim-u1"});
  CHECK(d.request_names == std::vector<std::string>{"req"});
  CHECK_FALSE(d.share_id.has_value());  // v1beta1 has no such field
  CHECK(dracpu::kubelet::PrepareOutcomesFromWire(v1)["u1"].devices[0].share_id == "s1");
}

TEST_CASE("registration messages", "[kubelet][proto]") {
  pluginregistration::PluginInfo info;
  info.set_type("DRAPlugin");
  info.set_name("dra.cpu");
  info.set_endpoint("/e");
  info.add_supported_versions("v1.DRAPlugin");
  std::string want = Bytes({0x0a, 9}) + "DRAPlugin" + Bytes({0x12, 7}) + "dra.cpu" +
                     Bytes({0x1a, 2}) + "/e" + Bytes({0x22, 12}) + "v1.DRAPlugin";
  CHECK(Wire(info) == want);

  pluginregistration::RegistrationStatus status;
  status.set_plugin_registered(true);
  status.set_error("x");
  CHECK(Wire(status) == Bytes({0x08, 1, 0x12, 1, 'x'}));
  CHECK(Wire(pluginregistration::InfoRequest()).empty());
}

template <class Resp>
void CheckHealthBytes() {
  Resp r;
  auto* h = r.add_devices();
  h->mutable_device()->set_pool_name("p");
  h->mutable_device()->set_device_name("d");
  h->set_health(static_cast<decltype(h->health())>(1));
  h->set_last_updated_time(1700000000);
  h->set_health_check_timeout_seconds(30);
  h->set_message("m");
  std::string device_health = Bytes({0x0a, 6,    0x0a, 1,    'p',  0x12, 1,  'd',  0x10, 1,  0x18,
                                     0x80, 0xe2, 0xcf, 0xaa, 0x06, 0x20, 30, 0x2a, 1,    'm'});
  CHECK(Wire(r) == Bytes({0x0a, static_cast<int>(device_health.size())}) + device_health);
}

TEST_CASE("health messages: DeviceHealth fields 1-5, HEALTHY = 1", "[kubelet][proto]") {
  CHECK(::v1alpha1::HEALTHY == 1);
  CHECK(::v1::UNHEALTHY == 2);
  CheckHealthBytes<::v1alpha1::NodeWatchResourcesResponse>();
  CheckHealthBytes<::v1::NodeWatchResourcesResponse>();
}

TEST_CASE("service names and method paths are the kubelet's", "[kubelet][proto]") {
  CHECK(std::string(drav1::DRAPlugin::service_full_name()) ==
        "k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin");
  CHECK(std::string(drav1beta1::DRAPlugin::service_full_name()) ==
        "k8s.io.kubelet.pkg.apis.dra.v1beta1.DRAPlugin");
  CHECK(std::string(pluginregistration::Registration::service_full_name()) ==
        "pluginregistration.Registration");
  const auto* file = drav1::Claim::descriptor()->file();
  REQUIRE(file->service_count() == 1);
  CHECK(file->service(0)->method(0)->full_name() ==
        "k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin.NodePrepareResources");
  CHECK(file->service(0)->method(1)->full_name() ==
        "k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin.NodeUnprepareResources");
  const auto* health = ::v1alpha1::DeviceHealth::descriptor()->file()->service(0);
  CHECK(health->full_name() == "v1alpha1.DRAResourceHealth");
  CHECK(health->method(0)->server_streaming());
  CHECK_FALSE(health->method(0)->client_streaming());
  CHECK(::v1::DeviceHealth::descriptor()->file()->service(0)->full_name() ==
        "v1.DRAResourceHealth");
}
