// Where a ttrpc endpoint writes its messages: a plain byte stream (TtrpcChannel) or one logical
// connection of the NRI mux (MuxConnection).

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_MESSAGE_SINK_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_MESSAGE_SINK_H_

#include <string_view>

#include "common/status.h"

namespace dracpu::ttrpc {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Writes one whole encoded ttrpc message (10-byte header + data). Thread-safe: concurrent
  // messages never interleave on the wire. Returns Unavailable once the connection is closed.
  virtual Status SendMessage(std::string_view message) = 0;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_MESSAGE_SINK_H_
