// One end of one ttrpc connection, receive side: turns the incoming byte stream into messages
// and routes them (Request -> server, Response -> client; Data and unknown types are ignored for
// forward compatibility). Pure routing: no I/O, no threads of its own; the connection's reader
// thread calls Feed().

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_ENDPOINT_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_ENDPOINT_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/ttrpc_client.h"
#include "nri-plugin/transport/ttrpc_server.h"

namespace dracpu::ttrpc {

class TtrpcEndpoint {
 public:
  // Either may be null (messages for a missing role are logged and dropped). Both must outlive
  // the endpoint. `name` prefixes log lines ("mux conn 1").
  TtrpcEndpoint(std::string name, TtrpcServer* server, TtrpcClient* client)
      : name_(std::move(name)), server_(server), client_(client) {}

  // Consumes bytes; returns non-OK (Corruption) when the stream is garbage and the connection
  // must be closed. After an error every call returns the same error.
  Status Feed(std::string_view bytes);

  // At end of stream: Corruption if a message was cut short, else OK.
  Status Finish() const;

 private:
  std::string name_;
  TtrpcServer* server_;
  TtrpcClient* client_;
  FrameParser parser_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_ENDPOINT_H_
