#include "nri-plugin/transport/mux_connection.h"

#include <glog/logging.h>

namespace dracpu::ttrpc {

MuxConnection::Conn::Conn(MuxConnection* m, uint32_t conn_id) : mux(m), id(conn_id) {}

Status MuxConnection::Conn::SendMessage(std::string_view message) {
  return mux->socket_.Write(EncodeMuxFrames(id, message));
}

MuxConnection::MuxConnection(UniqueFd fd) : socket_(std::move(fd)) {}

MuxConnection::~MuxConnection() {
  socket_.Close();
  socket_.Join();
  for (auto& [id, conn] : conns_) {
    if (conn->server) conn->server->Stop();
  }
}

MuxConnection::Conn& MuxConnection::GetConn(uint32_t conn_id) {
  std::unique_ptr<Conn>& conn = conns_[conn_id];
  if (!conn) conn = std::make_unique<Conn>(this, conn_id);
  return *conn;
}

TtrpcServer& MuxConnection::AddServer(uint32_t conn_id) {
  Conn& conn = GetConn(conn_id);
  if (!conn.server) conn.server = std::make_unique<TtrpcServer>();
  return *conn.server;
}

TtrpcClient& MuxConnection::AddClient(uint32_t conn_id) {
  Conn& conn = GetConn(conn_id);
  if (!conn.client) conn.client = std::make_unique<TtrpcClient>(&conn);
  return *conn.client;
}

void MuxConnection::Start(std::function<void(const Status&)> on_closed) {
  for (auto& [id, conn] : conns_) {
    conn->endpoint = std::make_unique<TtrpcEndpoint>("mux conn " + std::to_string(id),
                                                     conn->server.get(), conn->client.get());
    if (conn->server) conn->server->Start(conn.get());
  }
  socket_.Start(
      [this](std::string_view bytes) { return OnBytes(bytes); },
      [this, on_closed = std::move(on_closed)](const Status& why) { OnEnd(why, on_closed); });
}

Status MuxConnection::OnBytes(std::string_view bytes) {
  parser_.Append(bytes);
  for (;;) {
    switch (parser_.Next()) {
      case MuxParser::Result::kNeedMore: return Status::OK();
      case MuxParser::Result::kError: return parser_.error();
      case MuxParser::Result::kFrame: {
        auto it = conns_.find(parser_.header().conn_id);
        if (it == conns_.end()) {
          VLOG(2) << "mux: dropping " << parser_.header().length << " bytes for unopened conn "
                  << parser_.header().conn_id;
          break;
        }
        DRACPU_RETURN_IF_ERROR(it->second->endpoint->Feed(parser_.payload()));
        break;
      }
    }
  }
}

void MuxConnection::OnEnd(const Status& why, const std::function<void(const Status&)>& on_closed) {
  Status reason = why;
  if (reason.ok() && parser_.buffered() > 0) {
    reason = Status::Corruption("mux: connection ended inside a frame (" +
                                std::to_string(parser_.buffered()) + " bytes buffered)");
  }
  for (auto& [id, conn] : conns_) {
    if (reason.ok()) reason = conn->endpoint->Finish();
  }
  if (!reason.ok()) LOG(WARNING) << "mux: closing connection: " << reason;
  for (auto& [id, conn] : conns_) {
    if (conn->client) {
      conn->client->Close(Status::Unavailable("mux: connection closed" +
                                              (reason.ok() ? "" : ": " + reason.ToString())));
    }
  }
  if (on_closed) on_closed(reason);
}

}  // namespace dracpu::ttrpc
