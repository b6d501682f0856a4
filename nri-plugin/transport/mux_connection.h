// NRI's connection multiplexer on one unix socket (ttrpc-and-nri.md B.2-B.4): several logical
// ttrpc connections, each with an optional server and client, over one trunk with one reader
// thread. The plugin serves on kPluginServiceConn (1) and calls on kRuntimeServiceConn (2); the
// runtime (or a stand-in) is the mirror image.
//
// Receiving: each conn's frame payloads form a byte stream parsed independently, so ttrpc
// messages may span frames. Frames for a conn nobody added are dropped. A garbage trunk or
// garbage ttrpc stream on any conn closes the whole connection with a log line.
// Sending: each ttrpc message is chunked as a Go sender would (EncodeMuxFrames) and its frames
// are written back to back.
//
// Usage: construct, AddServer()/AddClient(), register handlers, Start(), use the clients.
// The destructor closes the socket and joins the reader and dispatch threads.
// REQUIRES: not destroyed from a handler or from on_closed, nor while another thread is inside
// a client Call() (close first: such calls then return Unavailable promptly).

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_MUX_CONNECTION_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_MUX_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "nri-plugin/transport/message_sink.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/stream_socket.h"
#include "nri-plugin/transport/ttrpc_client.h"
#include "nri-plugin/transport/ttrpc_endpoint.h"
#include "nri-plugin/transport/ttrpc_server.h"

namespace dracpu::ttrpc {

class MuxConnection {
 public:
  explicit MuxConnection(UniqueFd fd);
  ~MuxConnection();
  MuxConnection(const MuxConnection&) = delete;
  MuxConnection& operator=(const MuxConnection&) = delete;

  // The ttrpc server / client of logical connection conn_id (created on first use).
  // REQUIRES: before Start(); conn_id != 0.
  TtrpcServer& AddServer(uint32_t conn_id);
  TtrpcClient& AddClient(uint32_t conn_id);

  // Starts the reader and the servers' dispatch threads. on_closed (optional) runs once on the
  // reader thread when the trunk ends: OK for a clean EOF, else the reason. Every pending and
  // later client call fails with Unavailable from then on. REQUIRES: called once.
  void Start(std::function<void(const Status&)> on_closed = nullptr);

  void Close() { socket_.Close(); }
  bool closed() const { return socket_.closed(); }
  bool WaitClosed(std::chrono::milliseconds timeout) { return socket_.WaitEnded(timeout); }

 private:
  // One logical connection: its outgoing sink and its receive-side endpoint.
  struct Conn : MessageSink {
    Conn(MuxConnection* mux, uint32_t id);
    Status SendMessage(std::string_view message) override;
    MuxConnection* mux;
    uint32_t id;
    std::unique_ptr<TtrpcServer> server;
    std::unique_ptr<TtrpcClient> client;
    std::unique_ptr<TtrpcEndpoint> endpoint;  // built by Start()
  };

  Conn& GetConn(uint32_t conn_id);
  Status OnBytes(std::string_view bytes);
  void OnEnd(const Status& why, const std::function<void(const Status&)>& on_closed);

  StreamSocket socket_;
  MuxParser parser_;
  std::map<uint32_t, std::unique_ptr<Conn>> conns_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_MUX_CONNECTION_H_
