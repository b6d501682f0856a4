#include "nri-plugin/transport/frame.h"

#include <algorithm>

#include "nri-plugin/transport/byte_order.h"

namespace dracpu::ttrpc {

void EncodeFrameHeader(const FrameHeader& header, uint8_t* out) {
  PutBigEndian32(header.length, out);
  PutBigEndian32(header.stream_id, out + 4);
  out[8] = header.type;
  out[9] = header.flags;
}

FrameHeader DecodeFrameHeader(const uint8_t* in) {
  FrameHeader h;
  h.length = GetBigEndian32(in);
  h.stream_id = GetBigEndian32(in + 4);
  h.type = in[8];
  h.flags = in[9];
  return h;
}

StatusOr<std::string> EncodeFrame(uint32_t stream_id, MessageType type, uint8_t flags,
                                  std::string_view data) {
  if (data.size() > kMaxDataLength) {
    return Status::ResourceExhausted("ttrpc message of " + std::to_string(data.size()) +
                                     " bytes exceeds the maximum of " +
                                     std::to_string(kMaxDataLength));
  }
  std::string frame(kFrameHeaderSize + data.size(), '\0');
  FrameHeader h{static_cast<uint32_t>(data.size()), stream_id, static_cast<uint8_t>(type), flags};
  EncodeFrameHeader(h, reinterpret_cast<uint8_t*>(frame.data()));
  std::copy(data.begin(), data.end(), frame.begin() + kFrameHeaderSize);
  return frame;
}

void FrameParser::Append(std::string_view bytes) {
  if (!error_.ok()) return;
  if (skip_ > 0) {
    size_t dropped = static_cast<size_t>(std::min<uint64_t>(skip_, bytes.size()));
    skip_ -= dropped;
    bytes.remove_prefix(dropped);
  }
  queue_.Append(bytes);
}

FrameParser::Result FrameParser::Next() {
  data_ = {};
  if (!error_.ok()) return Result::kError;
  if (skip_ > 0) {
    size_t dropped = static_cast<size_t>(std::min<uint64_t>(skip_, queue_.size()));
    skip_ -= dropped;
    queue_.Consume(dropped);
    if (skip_ > 0) return Result::kNeedMore;
  }
  std::string_view bytes = queue_.Peek();
  if (bytes.size() < kFrameHeaderSize) return Result::kNeedMore;
  FrameHeader h = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(bytes.data()));
  if (h.length >= kGarbageDataLength) {
    header_ = h;
    error_ = Status::Corruption("ttrpc header announces " + std::to_string(h.length) +
                                " bytes (reserved length byte set): not a ttrpc stream");
    return Result::kError;
  }
  if (h.length > kMaxDataLength) {
    // Skip the payload as it arrives; the caller answers the stream (Go: RESOURCE_EXHAUSTED).
    header_ = h;
    queue_.Consume(kFrameHeaderSize);
    skip_ = h.length;
    size_t dropped = static_cast<size_t>(std::min<uint64_t>(skip_, queue_.size()));
    skip_ -= dropped;
    queue_.Consume(dropped);
    return Result::kOversize;
  }
  if (bytes.size() < kFrameHeaderSize + h.length) return Result::kNeedMore;
  header_ = h;
  data_ = bytes.substr(kFrameHeaderSize, h.length);
  queue_.Consume(kFrameHeaderSize + h.length);
  return Result::kFrame;
}

}  // namespace dracpu::ttrpc
