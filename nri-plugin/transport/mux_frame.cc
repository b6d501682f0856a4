#include "nri-plugin/transport/mux_frame.h"

#include <algorithm>

#include "nri-plugin/transport/byte_order.h"

namespace dracpu::ttrpc {
namespace {

std::string MuxFrame(uint32_t conn_id, std::string_view chunk) {
  std::string frame(kMuxHeaderSize, '\0');
  auto* h = reinterpret_cast<uint8_t*>(frame.data());
  PutBigEndian32(conn_id, h);
  PutBigEndian32(static_cast<uint32_t>(chunk.size()), h + 4);
  frame.append(chunk);
  return frame;
}

}  // namespace

std::vector<std::string> EncodeMuxFrames(uint32_t conn_id, std::string_view ttrpc_message) {
  std::vector<std::string> frames;
  size_t first = std::min(ttrpc_message.size(), kMuxFirstChunk);
  frames.push_back(MuxFrame(conn_id, ttrpc_message.substr(0, first)));
  ttrpc_message.remove_prefix(first);
  while (!ttrpc_message.empty()) {
    size_t n = std::min(ttrpc_message.size(), kMuxMaxChunk);
    frames.push_back(MuxFrame(conn_id, ttrpc_message.substr(0, n)));
    ttrpc_message.remove_prefix(n);
  }
  return frames;
}

void MuxParser::Append(std::string_view bytes) {
  if (error_.ok()) queue_.Append(bytes);
}

MuxParser::Result MuxParser::Next() {
  payload_ = {};
  if (!error_.ok()) return Result::kError;
  std::string_view bytes = queue_.Peek();
  if (bytes.size() < kMuxHeaderSize) return Result::kNeedMore;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  MuxHeader h{GetBigEndian32(p), GetBigEndian32(p + 4)};
  if (h.length > kMaxMuxPayload) {
    header_ = h;
    error_ = Status::Corruption("mux frame for conn " + std::to_string(h.conn_id) + " announces " +
                                std::to_string(h.length) + " bytes, above the limit of " +
                                std::to_string(kMaxMuxPayload));
    return Result::kError;
  }
  if (bytes.size() < kMuxHeaderSize + h.length) return Result::kNeedMore;
  header_ = h;
  payload_ = bytes.substr(kMuxHeaderSize, h.length);
  queue_.Consume(kMuxHeaderSize + h.length);
  return Result::kFrame;
}

}  // namespace dracpu::ttrpc
