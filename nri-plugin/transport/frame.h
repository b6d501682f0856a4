// ttrpc framing: the 10-byte message header and an incremental parser for a byte stream
// (ttrpc-and-nri.md A.1-A.2). Pure: no I/O, no threads, no protobuf.
//
// Wire layout: uint32 BE data length | uint32 BE stream id | uint8 type | uint8 flags | data.
//
// Limits (what the parser does with a header whose length exceeds 4 MiB):
//   - 4 MiB < length < 16 MiB: the Go receiver discards that many bytes and answers the stream
//     with RESOURCE_EXHAUSTED; the parser reports kOversize once and then skips the payload.
//   - length >= 16 MiB: byte 0 of the header is reserved and always 0 for a legal frame, so the
//     stream is garbage (or not ttrpc at all); the parser reports kError and stops for good.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_FRAME_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "nri-plugin/transport/byte_queue.h"

namespace dracpu::ttrpc {

inline constexpr size_t kFrameHeaderSize = 10;
inline constexpr uint32_t kMaxDataLength = 4u << 20;  // 4 194 304
// A length at or above this cannot come from a ttrpc peer (reserved byte 0 set).
inline constexpr uint32_t kGarbageDataLength = 1u << 24;

enum class MessageType : uint8_t {
  kRequest = 0x01,
  kResponse = 0x02,
  kData = 0x03,
};

inline constexpr uint8_t kFlagRemoteClosed = 0x01;
inline constexpr uint8_t kFlagRemoteOpen = 0x02;
inline constexpr uint8_t kFlagNoData = 0x04;

struct FrameHeader {
  uint32_t length = 0;
  uint32_t stream_id = 0;
  uint8_t type = 0;  // a MessageType value, or an unknown one to be ignored
  uint8_t flags = 0;
};

// Writes the 10 header bytes to `out`. REQUIRES: out has room for kFrameHeaderSize bytes.
void EncodeFrameHeader(const FrameHeader& header, uint8_t* out);
// REQUIRES: in points at kFrameHeaderSize readable bytes.
FrameHeader DecodeFrameHeader(const uint8_t* in);

// Header plus data as one string. Returns ResourceExhausted if data exceeds kMaxDataLength (the
// Go sender refuses such a message locally; so do we).
StatusOr<std::string> EncodeFrame(uint32_t stream_id, MessageType type, uint8_t flags,
                                  std::string_view data);

// Incremental parser: Append() bytes as they arrive, then call Next() until kNeedMore.
// A parser that returned kError keeps returning kError.
class FrameParser {
 public:
  enum class Result {
    kNeedMore,  // no complete message buffered
    kFrame,     // header() and data() describe one message, valid until the next call
    kOversize,  // header() names an oversized message; its data is being skipped
    kError,     // garbage; error() says why; the connection must be closed
  };

  void Append(std::string_view bytes);
  Result Next();

  const FrameHeader& header() const { return header_; }
  std::string_view data() const { return data_; }
  const Status& error() const { return error_; }
  // Bytes received but not yet returned as part of a message (a truncated message at EOF).
  size_t buffered() const { return queue_.size(); }
  // Bytes of an oversized message still to skip.
  uint64_t skipping() const { return skip_; }

 private:
  ByteQueue queue_;
  uint64_t skip_ = 0;  // oversize payload bytes still to drop
  FrameHeader header_;
  std::string_view data_;
  Status error_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_FRAME_H_
