// NRI connection multiplexer framing (containerd/nri pkg/net/multiplex; ttrpc-and-nri.md B.2,
// B.4). Pure: no I/O, no threads.
//
// Wire layout: uint32 BE conn id | uint32 BE payload length | payload (a chunk of the byte
// stream of logical connection `conn id`). Conn 1 carries the plugin's ttrpc server, conn 2
// the runtime's; conn 0 is reserved. Frame boundaries mean nothing to ttrpc: a ttrpc message may
// span frames.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_MUX_FRAME_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_MUX_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "nri-plugin/transport/byte_queue.h"

namespace dracpu::ttrpc {

inline constexpr size_t kMuxHeaderSize = 8;
inline constexpr uint32_t kReservedConnId = 0;
inline constexpr uint32_t kPluginServiceConn = 1;   // plugin serves, runtime calls
inline constexpr uint32_t kRuntimeServiceConn = 2;  // runtime serves, plugin calls
// Largest payload we accept: NRI before ~v0.8 allowed 1 << 24 per frame (newer: 4 MiB + 10).
inline constexpr uint32_t kMaxMuxPayload = 1u << 24;
// The Go reader offers a 4096-byte buffer when it wants a ttrpc header; a larger frame that
// starts a ttrpc message would fail its read with ENOMEM and kill the connection.
inline constexpr size_t kMuxFirstChunk = 4096;
// Newer Go writers split at this size; we never exceed it either.
inline constexpr size_t kMuxMaxChunk = 10 + (4u << 20);

struct MuxHeader {
  uint32_t conn_id = 0;
  uint32_t length = 0;
};

// Frames carrying one whole ttrpc message (header + data) on `conn_id`, chunked as a Go sender
// would: one frame if it fits in kMuxFirstChunk, else the first kMuxFirstChunk bytes and then
// the rest in chunks of at most kMuxMaxChunk. Never mixes two messages in one frame.
std::vector<std::string> EncodeMuxFrames(uint32_t conn_id, std::string_view ttrpc_message);

// Incremental parser for the trunk. A parser that returned kError keeps returning kError.
class MuxParser {
 public:
  enum class Result { kNeedMore, kFrame, kError };

  void Append(std::string_view bytes);
  Result Next();

  const MuxHeader& header() const { return header_; }
  // Valid until the next Append() or Next().
  std::string_view payload() const { return payload_; }
  const Status& error() const { return error_; }
  size_t buffered() const { return queue_.size(); }

 private:
  ByteQueue queue_;
  MuxHeader header_;
  std::string_view payload_;
  Status error_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_MUX_FRAME_H_
