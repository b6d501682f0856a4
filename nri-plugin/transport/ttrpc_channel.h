// One ttrpc connection directly on a byte stream (no NRI mux): a server and a client sharing
// the socket, one reader thread. What plain ttrpc peers (containerd shims) speak; here mainly the
// simplest place to test the ttrpc layer end to end.
//
// Usage: construct, register handlers on server(), Start(), Call() via client(); the destructor
// closes the socket and joins every thread. REQUIRES: not destroyed from a handler or on_closed,
// nor while another thread is inside client().Call().

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CHANNEL_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CHANNEL_H_

#include <chrono>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "nri-plugin/transport/message_sink.h"
#include "nri-plugin/transport/stream_socket.h"
#include "nri-plugin/transport/ttrpc_client.h"
#include "nri-plugin/transport/ttrpc_endpoint.h"
#include "nri-plugin/transport/ttrpc_server.h"

namespace dracpu::ttrpc {

class TtrpcChannel : private MessageSink {
 public:
  explicit TtrpcChannel(UniqueFd fd);
  ~TtrpcChannel() override;

  TtrpcServer& server() { return server_; }
  TtrpcClient& client() { return client_; }

  // Starts the reader and dispatch threads. on_closed (optional) runs once on the reader thread
  // when the connection ends, with OK for a clean EOF or the reason (garbage, truncation).
  // REQUIRES: handlers registered; called once.
  void Start(std::function<void(const Status&)> on_closed = nullptr);

  void Close() { socket_.Close(); }
  bool WaitClosed(std::chrono::milliseconds timeout) { return socket_.WaitEnded(timeout); }

 private:
  Status SendMessage(std::string_view message) override { return socket_.Write(message); }

  StreamSocket socket_;
  TtrpcServer server_;
  TtrpcClient client_{this};
  TtrpcEndpoint endpoint_{"ttrpc", &server_, &client_};
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CHANNEL_H_
