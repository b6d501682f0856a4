// Decodes every frame of the recorded upstream session (NRI v0.6.1 runtime <-> v0.6.1 stub,
// ttrpc v1.2.3; ../shared/recordings/README.md) with our parsers and .proto files, and checks
// what the recording says about it: methods, stream ids, absent status = success, and that each
// NRI message re-encodes to the very bytes upstream sent (so every field number is ours too).

#include <google/protobuf/text_format.h>
#include <google/protobuf/unknown_field_set.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/testing/raw_peer.h"
#include "proto/nri_api.pb.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {
namespace {

namespace nri = ::nri::pkg::api::v1alpha1;
using google::protobuf::Message;

struct RecordedMessage {
  double t_ms;
  std::string dir;
  uint32_t conn;
  FrameHeader header;
  std::string data;
  YAML::Node expect;  // the recording's own description
};

std::vector<RecordedMessage> LoadRecording() {
  std::ifstream in(std::string(DRACPU_SHARED_DIR) + "/recordings/nri-v0.6.1-session.jsonl");
  REQUIRE(in.good());
  std::vector<RecordedMessage> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    YAML::Node rec = YAML::Load(line);
    std::string wire = testing::FromHex(rec["mux_frame_hex"].as<std::string>());
    MuxParser mux;
    mux.Append(wire);
    REQUIRE(mux.Next() == MuxParser::Result::kFrame);
    CHECK(mux.header().conn_id == rec["mux_conn"].as<uint32_t>());
    CHECK(mux.buffered() == 0);  // exactly one frame per line
    FrameParser frames;
    frames.Append(mux.payload());
    size_t i = 0;
    for (FrameParser::Result r; (r = frames.Next()) != FrameParser::Result::kNeedMore; ++i) {
      REQUIRE(r == FrameParser::Result::kFrame);
      REQUIRE(i < rec["ttrpc"].size());
      out.push_back({rec["t_ms"].as<double>(), rec["dir"].as<std::string>(), mux.header().conn_id,
                     frames.header(), std::string(frames.data()), rec["ttrpc"][i]});
    }
    CHECK(i == rec["ttrpc"].size());
    CHECK(frames.buffered() == 0);
  }
  return out;
}

// Request and reply message types per Plugin/Runtime method.
std::pair<std::unique_ptr<Message>, std::unique_ptr<Message>> Types(const std::string& method) {
  using P = std::pair<std::unique_ptr<Message>, std::unique_ptr<Message>>;
  static const std::map<std::string, std::function<P()>> kTypes = {
      {"RegisterPlugin", [] { return P(new nri::RegisterPluginRequest, new nri::Empty); }},
      {"UpdateContainers",
       [] { return P(new nri::UpdateContainersRequest, new nri::UpdateContainersResponse); }},
      {"Configure", [] { return P(new nri::ConfigureRequest, new nri::ConfigureResponse); }},
      {"Synchronize", [] { return P(new nri::SynchronizeRequest, new nri::SynchronizeResponse); }},
      {"StateChange", [] { return P(new nri::StateChangeEvent, new nri::Empty); }},
      {"CreateContainer",
       [] { return P(new nri::CreateContainerRequest, new nri::CreateContainerResponse); }},
      {"StopContainer",
       [] { return P(new nri::StopContainerRequest, new nri::StopContainerResponse); }},
  };
  auto it = kTypes.find(method);
  REQUIRE(it != kTypes.end());
  return it->second();
}

// Parses with our schema and checks that nothing was unknown: re-encoding gives the same bytes.
void CheckRoundTrip(Message* msg, const std::string& bytes, const std::string& what) {
  INFO(what);
  REQUIRE(msg->ParseFromString(bytes));
  CHECK(testing::ToHex(msg->SerializeAsString()) == testing::ToHex(bytes));
}

std::string DecodeRaw(const std::string& bytes) {
  google::protobuf::UnknownFieldSet fields;
  REQUIRE(fields.ParseFromString(bytes));
  std::string text;
  google::protobuf::TextFormat::PrintUnknownFieldsToString(fields, &text);
  return text;
}

TEST_CASE("recorded v0.6.1 session: every frame decodes as the recording describes it") {
  std::vector<RecordedMessage> msgs = LoadRecording();
  REQUIRE(msgs.size() == 22);
  // (conn, stream) -> method, to type the responses.
  std::map<std::pair<uint32_t, uint32_t>, std::string> methods;
  std::map<uint32_t, uint32_t> last_id;  // per conn
  for (const RecordedMessage& m : msgs) {
    INFO("t_ms " << m.t_ms << " " << m.dir << " conn " << m.conn);
    CHECK(m.header.stream_id == m.expect["ttrpc_stream"].as<uint32_t>());
    CHECK(m.header.flags == m.expect["flags"].as<int>());
    CHECK(m.header.length == m.expect["data_len"].as<uint32_t>());
    CHECK(DecodeRaw(m.data) == m.expect["envelope_decode_raw"].as<std::string>());
    const bool is_request = m.header.type == static_cast<uint8_t>(MessageType::kRequest);
    CHECK(m.expect["ttrpc_type"].as<std::string>() == (is_request ? "request" : "response"));
    // Who calls on which conn: the runtime on 1, the plugin on 2.
    const std::string caller = m.conn == kPluginServiceConn ? "runtime->plugin" : "plugin->runtime";
    CHECK((m.dir == caller) == is_request);
    if (is_request) {
      ::ttrpc::Request req;
      REQUIRE(req.ParseFromString(m.data));
      CHECK(req.service() == m.expect["service"].as<std::string>());
      CHECK(req.method() == m.expect["method"].as<std::string>());
      CHECK(req.service() == (m.conn == kPluginServiceConn ? "nri.pkg.api.v1alpha1.Plugin"
                                                           : "nri.pkg.api.v1alpha1.Runtime"));
      // Odd, strictly increasing by 2 per conn (one client per conn).
      CHECK(m.header.stream_id % 2 == 1);
      CHECK(m.header.stream_id == last_id[m.conn] + 2 - (last_id[m.conn] == 0 ? 1 : 0));
      last_id[m.conn] = m.header.stream_id;
      methods[{m.conn, m.header.stream_id}] = req.method();
      CheckRoundTrip(Types(req.method()).first.get(), req.payload(), req.method() + " request");
    } else {
      ::ttrpc::Response resp;
      REQUIRE(resp.ParseFromString(m.data));
      CHECK_FALSE(resp.has_status());  // ttrpc v1.2.3: success carries no status at all
      auto it = methods.find({m.conn, m.header.stream_id});
      REQUIRE(it != methods.end());
      CheckRoundTrip(Types(it->second).second.get(), resp.payload(), it->second + " response");
      methods.erase(it);  // each stream gets exactly one response
    }
  }
  CHECK(methods.empty());
}

TEST_CASE("recorded v0.6.1 session: the NRI content means what the steps file says") {
  std::vector<RecordedMessage> msgs = LoadRecording();
  std::vector<std::string> plugin_calls;
  for (const RecordedMessage& m : msgs) {
    if (m.header.type != static_cast<uint8_t>(MessageType::kRequest)) continue;
    ::ttrpc::Request req;
    REQUIRE(req.ParseFromString(m.data));
    if (m.conn == kPluginServiceConn) plugin_calls.push_back(req.method());
    if (req.method() == "RegisterPlugin") {
      nri::RegisterPluginRequest reg;
      REQUIRE(reg.ParseFromString(req.payload()));
      CHECK(reg.plugin_name() == "pin0");
      CHECK(reg.plugin_idx() == "10");
      CHECK(m.header.stream_id == 1);
      CHECK(req.timeout_nano() > 0);
    } else if (req.method() == "Configure") {
      nri::ConfigureRequest cfg;
      REQUIRE(cfg.ParseFromString(req.payload()));
      CHECK(cfg.runtime_name() == "nrirt");
      CHECK(cfg.runtime_version() == "v0.6.1-heldout");
      CHECK(cfg.request_timeout() == 0);  // v0.6 predates the timeouts in Configure
    } else if (req.method() == "CreateContainer" && m.header.stream_id == 11) {
      nri::CreateContainerRequest create;
      REQUIRE(create.ParseFromString(req.payload()));
      CHECK(create.pod().uid() == "6f1c1f0e-0000-4000-8000-000000000002");
      CHECK(create.container().id() == "ctr1");
      REQUIRE(create.container().env_size() == 1);
      CHECK(create.container().env(0) == "DRA_CPUSET_0e0b3a52-9c61-4bd1-a0f5-6a1d43b7c2aa=2-3");
      CHECK(create.container().linux().resources().cpu().cpus() == "0-7");
    } else if (req.method() == "StateChange" && m.header.stream_id == 15) {
      nri::StateChangeEvent ev;
      REQUIRE(ev.ParseFromString(req.payload()));
      CHECK(ev.event() == nri::REMOVE_CONTAINER);
      CHECK(ev.container().state() == nri::CONTAINER_STOPPED);
    } else if (req.method() == "UpdateContainers" && m.header.stream_id == 5) {
      nri::UpdateContainersRequest upd;
      REQUIRE(upd.ParseFromString(req.payload()));
      REQUIRE(upd.update_size() == 2);
      CHECK(upd.update(1).container_id() == "ctr1");
      CHECK(upd.update(1).linux().resources().cpu().cpus() == "2");
    }
  }
  // v0.6 delivers pod events and RemoveContainer as StateChange; the update step was not
  // subscribed to and produced no call.
  CHECK(plugin_calls ==
        std::vector<std::string>{"Configure", "Synchronize", "StateChange", "CreateContainer",
                                 "StateChange", "CreateContainer", "StopContainer", "StateChange"});
  // The plugin's subscription: RunPodSandbox | CreateContainer | StopContainer | RemoveContainer.
  for (const RecordedMessage& m : msgs) {
    if (m.conn != kPluginServiceConn || m.header.stream_id != 1 ||
        m.header.type != static_cast<uint8_t>(MessageType::kResponse)) {
      continue;
    }
    ::ttrpc::Response resp;
    REQUIRE(resp.ParseFromString(m.data));
    nri::ConfigureResponse cfg;
    REQUIRE(cfg.ParseFromString(resp.payload()));
    CHECK(cfg.events() == ((1 << (nri::RUN_POD_SANDBOX - 1)) | (1 << (nri::CREATE_CONTAINER - 1)) |
                           (1 << (nri::STOP_CONTAINER - 1)) | (1 << (nri::REMOVE_CONTAINER - 1))));
    CHECK(cfg.events() == 1545);
  }
}

}  // namespace
}  // namespace dracpu::ttrpc
