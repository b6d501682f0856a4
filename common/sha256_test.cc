#include "common/sha256.h"

#include <array>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/sha256_blocks.h"

namespace dracpu {
namespace {

// 'a'..'z' repeated: unequal neighbouring bytes, so a misplaced or reordered byte changes the
// digest. The expected values below come from coreutils' sha256sum over the same bytes.
std::string Alphabet(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

TEST_CASE("Sha256Hex matches the FIPS 180-2 / NIST example messages", "[sha256]") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 448 bits: the padding no longer fits in the message's block.
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // 896 bits.
  CHECK(Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                  "klmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(Sha256Hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("Sha256Hex pads correctly on each side of the block boundaries", "[sha256]") {
  // 55 bytes leave exactly room for the 0x80 byte and the 8-byte length; 56..63 need a second
  // block; 64 fills one; 119/120 are the same edge one block later.
  const std::pair<size_t, const char*> cases[] = {
      {55, "595615dbe4f0f407ae397d08b4c2cb870cb9b0e11937416f950c5160acf9c005"},
      {56, "784f623b787495078e93ff28a25b581df0584055a7e71d8cd90c454716b92f51"},
      {57, "808f0738aa4401bdee842e5a15a7baad5809f976d8eb6f9bd2683cebd2e8d671"},
      {63, "5ca3e1ef5207490eac01a795e5cc94d59582a5118bf9534665c8668d87aa647c"},
      {64, "2fcd5a0d60e4c941381fcc4e00a4bf8be422c3ddfafb93c809e8d1e2bfffae8e"},
      {65, "1b3cd1877ab2f2f19f7be001722554f336cb799df0329de0bb4c118dc6abc06d"},
      {119, "faef67da856d6fd9c8d12f9ed0a4fefd3cf0ce085ab43e2907418d457e3c354b"},
      {120, "c9512b08619c19fbb503c7da6b46ef20301e5f7a7a5f43989182398536f5c5c8"},
      {127, "1b9907986f18ddc2b37e18be502d82d69d6e18bb9dff9e16f2aceea7d88cb933"},
      {128, "6c05be2c4268843ae47e68e611277ce62c02153f2f4d2e1e2a1a4b44f766cf74"},
      {129, "cd6bba8374324cbcc0c296b94f35299c0b9820393116358ac3afaf091a4955a5"},
  };
  for (const auto& [length, digest] : cases) {
    INFO("length " << length);
    CHECK(Sha256Hex(Alphabet(length)) == digest);
  }
}

TEST_CASE("Sha256Hex treats bytes as unsigned (0x80..0xff, NUL)", "[sha256]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(Sha256Hex(all) == "40aff2e9d2d8922e47afd4648e6967497158785fbd1da870e7110266bf944880");
}

// The vectors above go through whichever compression this CPU gets; this holds the other one
// to it, block for block, from random running hashes.
TEST_CASE("SHA-256 compression: the SHA-extension path equals the portable one", "[sha256]") {
  if (!sha256_internal::CpuHasShaInstructions()) {
    WARN("this CPU has no SHA extensions: only the portable compression is tested");
    return;
  }
  std::mt19937 rng(20261127);
  for (int trial = 0; trial < 500; ++trial) {
    const size_t blocks = 1 + rng() % 9;
    std::vector<unsigned char> data(64 * blocks);
    for (unsigned char& byte : data) byte = static_cast<unsigned char>(rng());
    std::array<uint32_t, 8> portable;
    for (uint32_t& word : portable) word = rng();
    std::array<uint32_t, 8> extensions = portable;
    sha256_internal::CompressBlocksPortable(portable.data(), data.data(), blocks);
    sha256_internal::CompressBlocksWithShaInstructions(extensions.data(), data.data(), blocks);
    INFO("trial " << trial << ", " << blocks << " blocks");
    REQUIRE(extensions == portable);
  }
}

}  // namespace
}  // namespace dracpu
