// NRI transport costs: a unary ttrpc call through the NRI mux over a real unix socket (what
// every runtime -> plugin hook pays before any policy runs), and the pure codec work per
// message. Prints figures; asserts nothing.

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/mux_connection.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/unix_socket.h"
#include "proto/nri_api.pb.h"

namespace {

using namespace dracpu::ttrpc;
namespace api = ::nri::pkg::api::v1alpha1;
using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void Report(const char* what, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  std::printf("%-44s n=%zu median=%.1f us p99=%.1f us max=%.1f us\n", what, us.size(),
              us[us.size() / 2], us[us.size() * 99 / 100], us.back());
}

api::CreateContainerRequest SampleCreate() {
  api::CreateContainerRequest req;
  api::PodSandbox* pod = req.mutable_pod();
  pod->set_id("3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c");
  pod->set_name("dpdk-0");
  pod->set_uid("6f1c1f0e-0000-4000-8000-000000000002");
  pod->set_namespace_("default");
  api::Container* ctr = req.mutable_container();
  ctr->set_id("9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b");
  ctr->set_pod_sandbox_id(pod->id());
  ctr->set_name("app");
  ctr->add_env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  ctr->add_env("DRA_CPUSET_0e0b3a52-9c61-4bd1-a0f5-6a1d43b7c2aa=2-3,66-67");
  ctr->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("0-4095");
  return req;
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/dracpu-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string sock = std::string(tmpl) + "/nri.sock";
  UniqueFd listener = ListenUnix(sock).value();
  UniqueFd plugin_fd = ConnectUnix(sock).value();
  UniqueFd runtime_fd = AcceptUnix(listener.get(), std::chrono::seconds(5)).value();

  MuxConnection plugin(std::move(plugin_fd));
  MuxConnection runtime(std::move(runtime_fd));
  plugin.AddServer(kPluginServiceConn)
      .RegisterTyped<api::CreateContainerRequest, api::CreateContainerResponse>(
          "nri.pkg.api.v1alpha1.Plugin", "CreateContainer",
          [](const api::CreateContainerRequest&, const CallContext&) {
            api::CreateContainerResponse resp;
            resp.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(
                "2-3,66-67");
            return dracpu::StatusOr<api::CreateContainerResponse>(resp);
          });
  plugin.AddServer(kPluginServiceConn)
      .Register("nri.pkg.api.v1alpha1.Plugin", "Echo", [](std::string_view p, const CallContext&) {
        return dracpu::StatusOr<std::string>(std::string(p));
      });
  TtrpcClient& client = runtime.AddClient(kPluginServiceConn);
  plugin.Start();
  runtime.Start();

  const api::CreateContainerRequest create = SampleCreate();
  std::printf("CreateContainerRequest payload: %zu bytes\n", create.ByteSizeLong());
  std::vector<double> us;
  for (int i = 0; i < 20000; ++i) {
    api::CreateContainerResponse resp;
    auto t0 = Clock::now();
    dracpu::Status s = client.CallTyped("nri.pkg.api.v1alpha1.Plugin", "CreateContainer", create,
                                        &resp, std::chrono::seconds(2));
    if (i >= 1000) us.push_back(Micros(Clock::now() - t0));
    if (!s.ok()) {
      std::fprintf(stderr, "call failed: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  Report("CreateContainer round trip (mux, unix)", us);

  for (size_t size : {size_t{64} << 10, size_t{256} << 10, size_t{1} << 20}) {
    us.clear();
    const std::string big(size, 'x');
    for (int i = 0; i < 100; ++i) {
      auto t0 = Clock::now();
      if (!client.Call("nri.pkg.api.v1alpha1.Plugin", "Echo", big, std::chrono::seconds(5)).ok()) {
        return 1;
      }
      us.push_back(Micros(Clock::now() - t0));
    }
    std::string what = std::to_string(size >> 10) + " KiB echo round trip (split frames)";
    Report(what.c_str(), us);
  }

  // Pure codec work for one CreateContainer request: encode envelope, frame, mux; parse back.
  us.clear();
  for (int i = 0; i < 20000; ++i) {
    auto t0 = Clock::now();
    std::string payload = create.SerializeAsString();
    std::string msg =
        *EncodeFrame(static_cast<uint32_t>(2 * i + 1), MessageType::kRequest, 0, payload);
    std::vector<std::string> frames = EncodeMuxFrames(kPluginServiceConn, msg);
    MuxParser mux;
    for (const std::string& f : frames) mux.Append(f);
    FrameParser parser;
    while (mux.Next() == MuxParser::Result::kFrame) parser.Append(mux.payload());
    api::CreateContainerRequest back;
    if (parser.Next() != FrameParser::Result::kFrame ||
        !back.ParseFromArray(parser.data().data(), static_cast<int>(parser.data().size()))) {
      return 1;
    }
    us.push_back(Micros(Clock::now() - t0));
  }
  Report("codec only: encode+frame+mux+parse+decode", us);

  unlink(sock.c_str());
  rmdir(tmpl);
  return 0;
}
