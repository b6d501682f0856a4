// The NRI multiplexer end to end: a plugin-side and a runtime-side MuxConnection over a real
// unix socket, the spec's golden bytes against a raw runtime, and the trunk's error paths.

#include "nri-plugin/transport/mux_connection.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/testing/raw_peer.h"
#include "proto/nri_api.pb.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {
namespace {

namespace nri = ::nri::pkg::api::v1alpha1;
using namespace std::chrono_literals;
using testing::FromHex;
using testing::ReadMuxFrame;
using testing::ToHex;

const char kRuntimeSvc[] = "nri.pkg.api.v1alpha1.Runtime";
const char kPluginSvc[] = "nri.pkg.api.v1alpha1.Plugin";

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/dracpu-mux-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    unlink((path + "/nri.sock").c_str());
    rmdir(path.c_str());
  }
  std::string path;
};

// Listens on a temp unix socket; returns {runtime side, plugin side} fds of one connection.
std::pair<UniqueFd, UniqueFd> Connected(const TempDir& dir) {
  std::string sock = dir.path + "/nri.sock";
  StatusOr<UniqueFd> listener = ListenUnix(sock);
  REQUIRE(listener.ok());
  StatusOr<UniqueFd> plugin = ConnectUnix(sock);
  REQUIRE(plugin.ok());
  StatusOr<UniqueFd> runtime = AcceptUnix(listener->get(), 5s);
  REQUIRE(runtime.ok());
  return {std::move(*runtime), std::move(*plugin)};
}

TEST_CASE("plugin and runtime talk both ways over one unix socket, with nested calls") {
  TempDir dir;
  auto [runtime_fd, plugin_fd] = Connected(dir);
  MuxConnection runtime(std::move(runtime_fd));
  MuxConnection plugin(std::move(plugin_fd));

  std::atomic<int> registered{0};
  std::atomic<int> updates{0};
  TtrpcServer& runtime_srv = runtime.AddServer(kRuntimeServiceConn);
  TtrpcClient& to_plugin = runtime.AddClient(kPluginServiceConn);
  runtime_srv.RegisterTyped<nri::RegisterPluginRequest, nri::Empty>(
      kRuntimeSvc, "RegisterPlugin", [&](const nri::RegisterPluginRequest& r, const CallContext&) {
        if (r.plugin_name() == "dracpu" && r.plugin_idx() == "00") ++registered;
        return StatusOr<nri::Empty>(nri::Empty());
      });
  runtime_srv.RegisterTyped<nri::UpdateContainersRequest, nri::UpdateContainersResponse>(
      kRuntimeSvc, "UpdateContainers",
      [&](const nri::UpdateContainersRequest& r, const CallContext&) {
        updates += r.update_size();
        return StatusOr<nri::UpdateContainersResponse>(nri::UpdateContainersResponse());
      });

  TtrpcServer& plugin_srv = plugin.AddServer(kPluginServiceConn);
  TtrpcClient& to_runtime = plugin.AddClient(kRuntimeServiceConn);
  plugin_srv.RegisterTyped<nri::ConfigureRequest, nri::ConfigureResponse>(
      kPluginSvc, "Configure", [](const nri::ConfigureRequest& r, const CallContext&) {
        nri::ConfigureResponse resp;
        resp.set_events(r.runtime_name() == "containerd" ? 0x608 : 0);
        return StatusOr<nri::ConfigureResponse>(resp);
      });
  // A handler that calls back into the runtime over the same socket before answering.
  plugin_srv.RegisterTyped<nri::StopContainerRequest, nri::StopContainerResponse>(
      kPluginSvc, "StopContainer",
      [&](const nri::StopContainerRequest& r,
          const CallContext&) -> StatusOr<nri::StopContainerResponse> {
        nri::UpdateContainersRequest upd;
        upd.add_update()->set_container_id(r.container().id() + "-neighbour");
        nri::UpdateContainersResponse ignored;
        DRACPU_RETURN_IF_ERROR(
            to_runtime.CallTyped(kRuntimeSvc, "UpdateContainers", upd, &ignored, 2s));
        nri::StopContainerResponse resp;
        resp.add_update()->set_container_id("x");
        return resp;
      });
  runtime.Start();
  plugin.Start();

  nri::RegisterPluginRequest reg;
  reg.set_plugin_name("dracpu");
  reg.set_plugin_idx("00");
  nri::Empty empty;
  REQUIRE(to_runtime.CallTyped(kRuntimeSvc, "RegisterPlugin", reg, &empty, 5s).ok());
  CHECK(registered == 1);

  nri::ConfigureRequest cfg;
  cfg.set_runtime_name("containerd");
  nri::ConfigureResponse cfg_resp;
  REQUIRE(to_plugin.CallTyped(kPluginSvc, "Configure", cfg, &cfg_resp, 2s).ok());
  CHECK(cfg_resp.events() == 0x608);

  nri::StopContainerRequest stop;
  stop.mutable_container()->set_id("c1");
  nri::StopContainerResponse stop_resp;
  REQUIRE(to_plugin.CallTyped(kPluginSvc, "StopContainer", stop, &stop_resp, 2s).ok());
  CHECK(stop_resp.update_size() == 1);
  CHECK(updates == 1);

  // A method the plugin does not implement (how v0.12 runtimes probe for dedicated RPCs).
  nri::RemoveContainerRequest rm;
  nri::RemoveContainerResponse rm_resp;
  Status s = to_plugin.CallTyped(kPluginSvc, "RemoveContainer", rm, &rm_resp, 2s);
  CHECK(s.message() == "rpc error UNIMPLEMENTED: method RemoveContainer");
}

TEST_CASE("messages larger than one mux frame are split and reassembled") {
  TempDir dir;
  auto [a_fd, b_fd] = Connected(dir);
  MuxConnection a(std::move(a_fd));
  MuxConnection b(std::move(b_fd));
  a.AddServer(1).Register("t.S", "Len", [](std::string_view p, const CallContext&) {
    return StatusOr<std::string>(std::string(p.size() / 2, 'r'));
  });
  TtrpcClient& client = b.AddClient(1);
  a.Start();
  b.Start();
  for (size_t size : {size_t{4000}, size_t{4087}, size_t{100000}, size_t{3u << 20}}) {
    StatusOr<std::string> r = client.Call("t.S", "Len", std::string(size, 'q'), 10s);
    REQUIRE(r.ok());
    CHECK(r->size() == size / 2);
  }
  CHECK(client.Call("t.S", "Len", std::string(kMaxDataLength + 1, 'q'), 10s)
            .status()
            .IsResourceExhausted());
}

// A raw runtime: the test speaks the mux by hand to our plugin-side connection.
struct RawRuntime {
  RawRuntime() {
    auto [runtime_fd, plugin_fd] = Connected(dir);
    raw = std::move(runtime_fd);
    plugin = std::make_unique<MuxConnection>(std::move(plugin_fd));
    TtrpcServer& srv = plugin->AddServer(kPluginServiceConn);
    client = &plugin->AddClient(kRuntimeServiceConn);
    srv.RegisterTyped<nri::ConfigureRequest, nri::ConfigureResponse>(
        kPluginSvc, "Configure", [](const nri::ConfigureRequest&, const CallContext&) {
          nri::ConfigureResponse resp;
          resp.set_events(0x608);
          return StatusOr<nri::ConfigureResponse>(resp);
        });
    plugin->Start([this](const Status& why) {
      std::lock_guard<std::mutex> lock(mu);
      end = why;
    });
  }
  void Send(const std::string& bytes) { REQUIRE(SendAll(raw.get(), bytes).ok()); }
  Status End() {
    REQUIRE(plugin->WaitClosed(5s));
    std::lock_guard<std::mutex> lock(mu);
    return end;
  }
  std::string ConfigureRequest(uint32_t stream) {
    ::ttrpc::Request req;
    req.set_service(kPluginSvc);
    req.set_method("Configure");
    req.set_timeout_nano(2'000'000'000);
    return *EncodeFrame(stream, MessageType::kRequest, 0, req.SerializeAsString());
  }
  TempDir dir;
  UniqueFd raw;
  std::unique_ptr<MuxConnection> plugin;
  TtrpcClient* client;
  std::mutex mu;
  Status end;
};

TEST_CASE("golden bytes on the wire: RegisterPlugin out, its reply in, Configure answered") {
  RawRuntime rt;
  nri::RegisterPluginRequest reg;
  reg.set_plugin_name("cpu");
  reg.set_plugin_idx("10");
  std::thread runtime([&] {
    StatusOr<std::string> frame = ReadMuxFrame(rt.raw.get());
    REQUIRE(frame.ok());
    CHECK(ToHex(*frame) ==
          "000000020000004300000039000000010100"
          "0a1c6e72692e706b672e6170692e7631616c706861312e52756e74696d65"
          "120e5265676973746572506c7567696e1a090a03637075120231"
          "30");
    rt.Send(FromHex("00 00 00 02 00 00 00 0c 00 00 00 02 00 00 00 01 02 00 0a 00"));
  });
  StatusOr<std::string> r = rt.client->Call(kRuntimeSvc, "RegisterPlugin", reg.SerializeAsString());
  runtime.join();
  REQUIRE(r.ok());
  CHECK(r->empty());

  rt.Send(EncodeMuxFrames(kPluginServiceConn, rt.ConfigureRequest(1)).at(0));
  StatusOr<std::string> reply = ReadMuxFrame(rt.raw.get());
  REQUIRE(reply.ok());
  CHECK(ToHex(*reply) ==
        "0000000100000011"
        "00000007000000010200"
        "0a00120310880c");
}

TEST_CASE("a ttrpc message cut into many mux frames, interleaved with other conns, decodes") {
  RawRuntime rt;
  std::string msg = rt.ConfigureRequest(1);
  std::string wire;
  for (size_t i = 0; i < msg.size(); i += 3) {
    std::string chunk = msg.substr(i, 3);
    wire += FromHex("00000001") + FromHex("0000000" + std::to_string(chunk.size())) + chunk;
    wire += FromHex("00000009 00000002 ffff");  // a conn nobody opened: dropped
  }
  rt.Send(wire);
  StatusOr<std::string> reply = ReadMuxFrame(rt.raw.get());
  REQUIRE(reply.ok());
  CHECK(ToHex(reply->substr(22)) == "10880c");
}

TEST_CASE("a mux frame above 16 MiB closes the trunk and fails pending calls") {
  RawRuntime rt;
  std::thread caller([&] {
    StatusOr<std::string> r = rt.client->Call(kRuntimeSvc, "RegisterPlugin", "");
    CHECK(r.status().IsUnavailable());
  });
  REQUIRE(ReadMuxFrame(rt.raw.get()).ok());  // the request went out
  rt.Send(FromHex("00000002 7fffffff"));
  caller.join();
  CHECK(rt.End().IsCorruption());
  CHECK(testing::PeerClosed(rt.raw.get()));
}

TEST_CASE("garbage inside a logical conn closes the whole trunk") {
  RawRuntime rt;
  rt.Send(FromHex("00000001 0000000a") + "GARBAGE!!!");
  CHECK(rt.End().IsCorruption());
  CHECK(testing::PeerClosed(rt.raw.get()));
}

TEST_CASE("a trunk cut inside a mux frame or a ttrpc message ends with a reason") {
  SECTION("inside a mux header") {
    RawRuntime rt;
    rt.Send(FromHex("00 00 00 01 00"));
    rt.raw.Reset();
    CHECK(rt.End().IsCorruption());
  }
  SECTION("inside a ttrpc message spread over frames") {
    RawRuntime rt;
    std::string msg = rt.ConfigureRequest(1);
    rt.Send(FromHex("00000001 00000004") + msg.substr(0, 4));
    rt.raw.Reset();
    Status end = rt.End();
    CHECK(end.IsCorruption());
    CHECK(end.message().find("mux conn 1") != std::string::npos);
  }
  SECTION("a clean EOF between messages is OK") {
    RawRuntime rt;
    rt.raw.Reset();
    CHECK(rt.End().ok());
  }
}

}  // namespace
}  // namespace dracpu::ttrpc
