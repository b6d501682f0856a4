// libFuzzer target: arbitrary bytes, delivered in arbitrary pieces, into the ttrpc FrameParser
// and the envelope decoders. Checks the parser's contract, not just that it survives: every
// message it returns is complete and within 4 MiB, and bytes are never invented or lost.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nri-plugin/transport/frame.h"
#include "proto/ttrpc.pb.h"

using dracpu::ttrpc::FrameParser;
using dracpu::ttrpc::kFrameHeaderSize;
using dracpu::ttrpc::kMaxDataLength;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size, as a socket would deliver the rest.
  const size_t step = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  FrameParser parser;
  uint64_t consumed = 0;  // header + data bytes of returned messages, and skipped bytes
  bool failed = false;
  for (size_t i = 0; i < input.size() && !failed; i += step) {
    parser.Append(input.substr(i, step));
    for (;;) {
      FrameParser::Result r = parser.Next();
      if (r == FrameParser::Result::kNeedMore) break;
      if (r == FrameParser::Result::kError) {
        failed = true;
        break;
      }
      if (r == FrameParser::Result::kOversize) {
        if (parser.header().length <= kMaxDataLength) std::abort();
        consumed += kFrameHeaderSize + parser.header().length;
        continue;
      }
      if (parser.data().size() != parser.header().length) std::abort();
      if (parser.header().length > kMaxDataLength) std::abort();
      consumed += kFrameHeaderSize + parser.data().size();
      ::ttrpc::Request req;
      ::ttrpc::Response resp;
      if (parser.header().type == 1)
        (void)req.ParseFromArray(parser.data().data(), parser.data().size());
      if (parser.header().type == 2)
        (void)resp.ParseFromArray(parser.data().data(), parser.data().size());
    }
  }
  if (!failed) {
    // Everything is accounted for: returned, still buffered, or still to be skipped.
    if (consumed + parser.buffered() != input.size() + parser.skipping()) std::abort();
  }
  return 0;
}
