// libFuzzer target: arbitrary bytes as a trunk arriving at a plugin: the mux parser, then per
// conn the ttrpc endpoint with a real server (conn 1, inline dispatch) and a client (conn 2).
// Whatever arrives, nothing may crash, leak or hang, and every reply the server writes must be
// a well-formed ttrpc Response within the limits.

#include <glog/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/ttrpc_client.h"
#include "nri-plugin/transport/ttrpc_endpoint.h"
#include "nri-plugin/transport/ttrpc_server.h"
#include "proto/ttrpc.pb.h"

namespace {

using namespace dracpu::ttrpc;

// Checks each reply instead of writing it anywhere.
class CheckingSink : public MessageSink {
 public:
  dracpu::Status SendMessage(std::string_view message) override {
    FrameParser parser;
    parser.Append(message);
    if (parser.Next() != FrameParser::Result::kFrame) std::abort();
    if (parser.header().type != static_cast<uint8_t>(MessageType::kResponse)) std::abort();
    ::ttrpc::Response resp;
    if (!resp.ParseFromArray(parser.data().data(), parser.data().size())) std::abort();
    if (parser.buffered() != 0) std::abort();
    return dracpu::Status::OK();
  }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  FLAGS_minloglevel = 3;  // the error paths log; keep the fuzzer fast
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckingSink sink;
  TtrpcServer server;
  server.Register("nri.pkg.api.v1alpha1.Plugin", "Configure",
                  [](std::string_view payload, const CallContext&) {
                    return dracpu::StatusOr<std::string>(std::string(payload));
                  });
  server.Register("nri.pkg.api.v1alpha1.Plugin", "Fail", [](std::string_view, const CallContext&) {
    return dracpu::StatusOr<std::string>(dracpu::Status::NotFound("no"));
  });
  server.Start(&sink, /*inline_dispatch=*/true);
  TtrpcClient client(&sink);
  TtrpcEndpoint conn1("mux conn 1", &server, nullptr);
  TtrpcEndpoint conn2("mux conn 2", nullptr, &client);

  MuxParser mux;
  mux.Append(std::string_view(reinterpret_cast<const char*>(data), size));
  for (;;) {
    MuxParser::Result r = mux.Next();
    if (r != MuxParser::Result::kFrame) break;
    if (mux.payload().size() != mux.header().length) std::abort();
    dracpu::Status s = dracpu::Status::OK();
    if (mux.header().conn_id == kPluginServiceConn) s = conn1.Feed(mux.payload());
    if (mux.header().conn_id == kRuntimeServiceConn) s = conn2.Feed(mux.payload());
    if (!s.ok()) break;  // the connection would close here
  }
  (void)conn1.Finish();
  (void)conn2.Finish();
  client.Close(dracpu::Status::Unavailable("end of input"));
  server.Stop();
  return 0;
}
