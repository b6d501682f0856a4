#include "nri-plugin/transport/mux_frame.h"

#include <catch2/catch.hpp>

#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/testing/raw_peer.h"

namespace dracpu::ttrpc {
namespace {

using testing::FromHex;
using testing::ToHex;

TEST_CASE("a message up to 4096 bytes goes out as one mux frame") {
  std::vector<std::string> frames = EncodeMuxFrames(2, FromHex("00 00 00 00 00 00 00 01 02 00"));
  REQUIRE(frames.size() == 1);
  CHECK(ToHex(frames[0]) == "000000020000000a00000000000000010200");
  std::string exact(kMuxFirstChunk, 'x');
  frames = EncodeMuxFrames(1, exact);
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].size() == 8 + 4096);
}

TEST_CASE("a larger message is split as a Go sender does: 4096 bytes, then the rest") {
  std::string msg = *EncodeFrame(3, MessageType::kResponse, 0, std::string(5000, 'p'));
  std::vector<std::string> frames = EncodeMuxFrames(1, msg);
  REQUIRE(frames.size() == 2);
  CHECK(ToHex(frames[0].substr(0, 8)) == "0000000100001000");
  CHECK(frames[0].substr(8) == msg.substr(0, 4096));
  CHECK(ToHex(frames[1].substr(0, 8)) == "0000000100000392");  // 5010 - 4096 = 914
  CHECK(frames[1].substr(8) == msg.substr(4096));
}

TEST_CASE("a maximal ttrpc message needs exactly two frames, never one above 4 MiB + 10") {
  std::string msg = *EncodeFrame(1, MessageType::kRequest, 0, std::string(kMaxDataLength, 'm'));
  std::vector<std::string> frames = EncodeMuxFrames(2, msg);
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].size() - 8 == 4096);
  CHECK(frames[1].size() - 8 == msg.size() - 4096);
  CHECK(frames[1].size() - 8 <= kMuxMaxChunk);
}

TEST_CASE("MuxParser splits a trunk into frames regardless of read boundaries") {
  std::string wire = FromHex("00000002 00000003 616263") + FromHex("00000001 00000000") +
                     FromHex("00000007 00000002 7a7a");
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, wire.size()}) {
    MuxParser parser;
    std::vector<std::pair<MuxHeader, std::string>> got;
    for (size_t i = 0; i < wire.size(); i += step) {
      parser.Append(std::string_view(wire).substr(i, step));
      MuxParser::Result r;
      while ((r = parser.Next()) == MuxParser::Result::kFrame) {
        got.emplace_back(parser.header(), std::string(parser.payload()));
      }
      REQUIRE(r == MuxParser::Result::kNeedMore);
    }
    REQUIRE(got.size() == 3);
    CHECK(got[0].first.conn_id == 2);
    CHECK(got[0].second == "abc");
    CHECK(got[1].first.conn_id == 1);
    CHECK(got[1].second.empty());
    CHECK(got[2].first.conn_id == 7);
    CHECK(got[2].second == "zz");
  }
}

TEST_CASE("MuxParser rejects a frame longer than 16 MiB and stays failed") {
  MuxParser parser;
  parser.Append(FromHex("00000001 01000001"));
  CHECK(parser.Next() == MuxParser::Result::kError);
  CHECK(parser.error().IsCorruption());
  parser.Append(FromHex("00000001 00000000"));
  CHECK(parser.Next() == MuxParser::Result::kError);
}

TEST_CASE("MuxParser accepts the old NRI limit of exactly 16 MiB") {
  MuxParser parser;
  parser.Append(FromHex("00000001 01000000"));
  CHECK(parser.Next() == MuxParser::Result::kNeedMore);
  parser.Append(std::string(kMaxMuxPayload, 'q'));
  REQUIRE(parser.Next() == MuxParser::Result::kFrame);
  CHECK(parser.payload().size() == kMaxMuxPayload);
}

}  // namespace
}  // namespace dracpu::ttrpc
