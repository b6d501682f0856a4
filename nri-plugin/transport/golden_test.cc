// The worked examples of ttrpc-and-nri.md part H, byte for byte, through our .proto files and
// framing code (encode) and back (decode). The same bytes through live sockets are checked in
// mux_connection_test.cc.

#include <catch2/catch.hpp>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/testing/raw_peer.h"
#include "proto/nri_api.pb.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {
namespace {

namespace nri = ::nri::pkg::api::v1alpha1;
using testing::FromHex;
using testing::ToHex;

const char kRegisterPayload[] = "0a 03 63 70 75 12 02 31 30";
const char kRegisterEnvelope[] =
    "0a 1c 6e 72 69 2e 70 6b 67 2e 61 70 69 2e 76 31 61 6c 70 68 61 31 2e 52 75 6e 74 69 6d 65"
    "12 0e 52 65 67 69 73 74 65 72 50 6c 75 67 69 6e"
    "1a 09 0a 03 63 70 75 12 02 31 30";

TEST_CASE("H.1 RegisterPlugin: payload, envelope, ttrpc header and mux frame") {
  nri::RegisterPluginRequest reg;
  reg.set_plugin_name("cpu");
  reg.set_plugin_idx("10");
  CHECK(ToHex(reg.SerializeAsString()) == ToHex(FromHex(kRegisterPayload)));

  ::ttrpc::Request req;
  req.set_service("nri.pkg.api.v1alpha1.Runtime");
  req.set_method("RegisterPlugin");
  req.set_payload(reg.SerializeAsString());
  std::string envelope = req.SerializeAsString();
  CHECK(envelope.size() == 57);
  CHECK(ToHex(envelope) == ToHex(FromHex(kRegisterEnvelope)));

  req.set_timeout_nano(5'000'000'000);
  std::string with_deadline = req.SerializeAsString();
  CHECK(with_deadline.size() == 63);
  CHECK(ToHex(with_deadline.substr(57)) == "2080e497d012");

  std::string message = *EncodeFrame(1, MessageType::kRequest, 0, envelope);
  std::vector<std::string> frames = EncodeMuxFrames(kRuntimeServiceConn, message);
  REQUIRE(frames.size() == 1);
  CHECK(ToHex(frames[0]) ==
        ToHex(FromHex("00 00 00 02 00 00 00 43  00 00 00 39 00 00 00 01 01 00") +
              FromHex(kRegisterEnvelope)));

  // Decode the same bytes back.
  ::ttrpc::Request parsed;
  REQUIRE(parsed.ParseFromString(FromHex(kRegisterEnvelope)));
  CHECK(parsed.service() == "nri.pkg.api.v1alpha1.Runtime");
  CHECK(parsed.method() == "RegisterPlugin");
  CHECK(parsed.timeout_nano() == 0);
  nri::RegisterPluginRequest parsed_reg;
  REQUIRE(parsed_reg.ParseFromString(parsed.payload()));
  CHECK(parsed_reg.plugin_name() == "cpu");
  CHECK(parsed_reg.plugin_idx() == "10");
}

TEST_CASE("H.1 expected reply: empty payload with an OK status decodes as success") {
  std::string wire = FromHex("00 00 00 02 00 00 00 0c 00 00 00 02 00 00 00 01 02 00 0a 00");
  MuxParser mux;
  mux.Append(wire);
  REQUIRE(mux.Next() == MuxParser::Result::kFrame);
  CHECK(mux.header().conn_id == 2);
  FrameParser frames;
  frames.Append(mux.payload());
  REQUIRE(frames.Next() == FrameParser::Result::kFrame);
  CHECK(frames.header().stream_id == 1);
  CHECK(frames.header().type == static_cast<uint8_t>(MessageType::kResponse));
  ::ttrpc::Response resp;
  REQUIRE(resp.ParseFromString(std::string(frames.data())));
  CHECK(resp.has_status());
  CHECK(resp.status().code() == 0);
  CHECK(resp.payload().empty());
}

TEST_CASE("H.2 ConfigureResponse subscribing to Create/Stop/RemoveContainer (0x608)") {
  nri::ConfigureResponse cfg;
  cfg.set_events((1 << (nri::CREATE_CONTAINER - 1)) | (1 << (nri::STOP_CONTAINER - 1)) |
                 (1 << (nri::REMOVE_CONTAINER - 1)));
  CHECK(cfg.events() == 1544);
  CHECK(ToHex(cfg.SerializeAsString()) == "10880c");
  ::ttrpc::Response resp;
  resp.mutable_status();
  resp.set_payload(cfg.SerializeAsString());
  CHECK(ToHex(resp.SerializeAsString()) ==
        "0a001203"
        "10880c");
  std::string message = *EncodeFrame(1, MessageType::kResponse, 0, resp.SerializeAsString());
  std::vector<std::string> frames = EncodeMuxFrames(kPluginServiceConn, message);
  REQUIRE(frames.size() == 1);
  CHECK(ToHex(frames[0]) == ToHex(FromHex("00 00 00 01 00 00 00 11 00 00 00 07 00 00 00 01 02 00"
                                          "0a 00 12 03 10 88 0c")));
}

TEST_CASE("H.3 CreateContainerResponse pinning the new container to 2-3") {
  nri::CreateContainerResponse create;
  create.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("2-3");
  const std::string want = "0a 0b 32 09 12 07 12 05 32 03 32 2d 33";
  CHECK(ToHex(create.SerializeAsString()) == ToHex(FromHex(want)));
  ::ttrpc::Response resp;
  resp.mutable_status();
  resp.set_payload(create.SerializeAsString());
  CHECK(ToHex(resp.SerializeAsString()) ==
        ToHex(FromHex("0a 00 12 0d 0a 0b 32 09 12 07 12 05 32 03 32 2d 33")));

  nri::CreateContainerResponse parsed;
  REQUIRE(parsed.ParseFromString(FromHex(want)));
  CHECK(parsed.adjust().linux().resources().cpu().cpus() == "2-3");
  CHECK(parsed.update_size() == 0);
}

TEST_CASE("H.4 UpdateContainersRequest moving container abc to 0-1,4-7") {
  nri::UpdateContainersRequest req;
  nri::ContainerUpdate* u = req.add_update();
  u->set_container_id("abc");
  u->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("0-1,4-7");
  const std::string want = "0a 14 0a 03 61 62 63 12 0d 0a 0b 12 09 32 07 30 2d 31 2c 34 2d 37";
  CHECK(ToHex(req.SerializeAsString()) == ToHex(FromHex(want)));
  nri::UpdateContainersRequest parsed;
  REQUIRE(parsed.ParseFromString(FromHex(want)));
  REQUIRE(parsed.update_size() == 1);
  CHECK(parsed.update(0).container_id() == "abc");
  CHECK(parsed.update(0).linux().resources().cpu().cpus() == "0-1,4-7");
}

TEST_CASE("field numbers the spec singles out: no field 1 in ConfigureResponse and adjustment") {
  nri::ContainerAdjustment adj;
  (*adj.mutable_annotations())["k"] = "v";
  CHECK(ToHex(adj.SerializeAsString().substr(0, 1)) == "12");  // field 2, length-delimited
  nri::SynchronizeRequest sync;
  sync.set_more(true);
  CHECK(ToHex(sync.SerializeAsString()) == "1801");
  nri::SynchronizeResponse sync_resp;
  sync_resp.set_more(true);
  CHECK(ToHex(sync_resp.SerializeAsString()) == "1001");
  nri::ConfigureRequest cfg;
  cfg.set_registration_timeout(5000);
  cfg.set_request_timeout(2000);
  cfg.set_nri_version("v0.12.0");
  CHECK(ToHex(cfg.SerializeAsString()) == "20882728d00f3207" + ToHex("v0.12.0"));
}

}  // namespace
}  // namespace dracpu::ttrpc
