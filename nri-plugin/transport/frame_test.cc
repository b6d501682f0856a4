#include "nri-plugin/transport/frame.h"

#include <catch2/catch.hpp>

#include "nri-plugin/transport/testing/raw_peer.h"

namespace dracpu::ttrpc {
namespace {

using testing::FromHex;
using testing::ToHex;

TEST_CASE("ttrpc header encodes big-endian as in the spec's RegisterPlugin example") {
  uint8_t out[kFrameHeaderSize];
  EncodeFrameHeader({57, 1, 0x01, 0x00}, out);
  CHECK(ToHex(std::string_view(reinterpret_cast<char*>(out), sizeof(out))) ==
        "00000039000000010100");
  FrameHeader h = DecodeFrameHeader(
      reinterpret_cast<const uint8_t*>(FromHex("00 01 02 03 80 00 00 05 02 04").data()));
  CHECK(h.length == 0x00010203);
  CHECK(h.stream_id == 0x80000005);
  CHECK(h.type == 2);
  CHECK(h.flags == 4);
}

TEST_CASE("EncodeFrame refuses data above 4 MiB and accepts exactly 4 MiB") {
  std::string max(kMaxDataLength, 'x');
  StatusOr<std::string> ok = EncodeFrame(1, MessageType::kRequest, 0, max);
  REQUIRE(ok.ok());
  CHECK(ok->size() == kMaxDataLength + kFrameHeaderSize);
  CHECK(ToHex(ok->substr(0, 10)) == "00400000000000010100");
  StatusOr<std::string> too_big = EncodeFrame(1, MessageType::kRequest, 0, max + "y");
  CHECK(too_big.status().IsResourceExhausted());
}

TEST_CASE("FrameParser reassembles messages fed one byte at a time") {
  std::string a = *EncodeFrame(1, MessageType::kRequest, 0, "hello");
  std::string b = *EncodeFrame(3, MessageType::kResponse, 0, "");
  std::string c = *EncodeFrame(5, MessageType::kData, kFlagNoData, "xyz");
  std::string wire = a + b + c;
  FrameParser parser;
  std::vector<std::pair<FrameHeader, std::string>> got;
  for (char ch : wire) {
    parser.Append(std::string_view(&ch, 1));
    for (;;) {
      FrameParser::Result r = parser.Next();
      REQUIRE(r != FrameParser::Result::kError);
      REQUIRE(r != FrameParser::Result::kOversize);
      if (r == FrameParser::Result::kNeedMore) break;
      got.emplace_back(parser.header(), std::string(parser.data()));
    }
  }
  REQUIRE(got.size() == 3);
  CHECK(got[0].first.stream_id == 1);
  CHECK(got[0].second == "hello");
  CHECK(got[1].first.type == 2);
  CHECK(got[1].second.empty());
  CHECK(got[2].first.flags == kFlagNoData);
  CHECK(got[2].second == "xyz");
  CHECK(parser.buffered() == 0);
}

TEST_CASE("FrameParser reports a truncated header or body as buffered bytes, not a message") {
  FrameParser parser;
  parser.Append(FromHex("00 00 00 05 00 00 00"));  // 7 of 10 header bytes
  CHECK(parser.Next() == FrameParser::Result::kNeedMore);
  CHECK(parser.buffered() == 7);
  parser.Append(FromHex("01 01 00 61 62"));  // header complete, 2 of 5 data bytes
  CHECK(parser.Next() == FrameParser::Result::kNeedMore);
  CHECK(parser.buffered() == 12);
}

TEST_CASE("FrameParser skips an oversized message and resynchronizes on the next one") {
  const uint32_t len = kMaxDataLength + 1;
  std::string header = FromHex("00 40 00 01 00 00 00 07 01 00");
  std::string next = *EncodeFrame(9, MessageType::kRequest, 0, "after");
  FrameParser parser;
  parser.Append(header + std::string(1000, 'a'));
  REQUIRE(parser.Next() == FrameParser::Result::kOversize);
  CHECK(parser.header().length == len);
  CHECK(parser.header().stream_id == 7);
  CHECK(parser.Next() == FrameParser::Result::kNeedMore);
  CHECK(parser.skipping() == len - 1000);
  // The rest of the oversized payload arrives in pieces, glued to the next message.
  std::string rest(len - 1000, 'b');
  parser.Append(rest.substr(0, 100000));
  CHECK(parser.Next() == FrameParser::Result::kNeedMore);
  parser.Append(rest.substr(100000) + next);
  REQUIRE(parser.Next() == FrameParser::Result::kFrame);
  CHECK(parser.header().stream_id == 9);
  CHECK(parser.data() == "after");
  CHECK(parser.Next() == FrameParser::Result::kNeedMore);
}

TEST_CASE("FrameParser treats a set reserved length byte as garbage, for good") {
  FrameParser parser;
  parser.Append("GET / HTTP/1.1\r\n\r\n");
  CHECK(parser.Next() == FrameParser::Result::kError);
  CHECK(parser.error().IsCorruption());
  parser.Append(*EncodeFrame(1, MessageType::kRequest, 0, "x"));
  CHECK(parser.Next() == FrameParser::Result::kError);
}

}  // namespace
}  // namespace dracpu::ttrpc
