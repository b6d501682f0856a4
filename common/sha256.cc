#include "common/sha256.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "common/sha256_blocks.h"

namespace dracpu {
namespace sha256_internal {

const uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

}  // namespace sha256_internal

namespace {

using sha256_internal::kRoundConstants;

// §5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr std::array<uint32_t, 8> kInitialHash = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr size_t kBlockBytes = 64;

constexpr uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

uint32_t LoadBigEndian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// §6.2.2: one 512-bit block into the running hash.
void Compress(uint32_t hash[8], const unsigned char* block) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = LoadBigEndian(block + 4 * t);
  for (int t = 16; t < 64; ++t) {
    uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = hash[0], b = hash[1], c = hash[2], d = hash[3];
  uint32_t e = hash[4], f = hash[5], g = hash[6], h = hash[7];
  for (int t = 0; t < 64; ++t) {
    uint32_t big_sigma1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + big_sigma1 + choose + kRoundConstants[t] + w[t];
    uint32_t big_sigma0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = big_sigma0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  hash[0] += a;
  hash[1] += b;
  hash[2] += c;
  hash[3] += d;
  hash[4] += e;
  hash[5] += f;
  hash[6] += g;
  hash[7] += h;
}

using CompressBlocks = void (*)(uint32_t hash[8], const unsigned char* data, size_t blocks);

// The SHA extensions hash about six times faster, and the driver hashes the whole state file on
// every write (twice per prepare): 35 us instead of 200 us for 64 KiB.
CompressBlocks ChosenCompressBlocks() {
  static const CompressBlocks chosen = sha256_internal::CpuHasShaInstructions()
                                           ? &sha256_internal::CompressBlocksWithShaInstructions
                                           : &sha256_internal::CompressBlocksPortable;
  return chosen;
}

}  // namespace

namespace sha256_internal {

void CompressBlocksPortable(uint32_t hash[8], const unsigned char* data, size_t blocks) {
  for (size_t i = 0; i < blocks; ++i) Compress(hash, data + i * kBlockBytes);
}

}  // namespace sha256_internal

std::string Sha256Hex(std::string_view data) {
  const CompressBlocks compress = ChosenCompressBlocks();
  std::array<uint32_t, 8> hash = kInitialHash;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const size_t full_blocks = data.size() / kBlockBytes;
  const size_t full = full_blocks * kBlockBytes;
  if (full_blocks > 0) compress(hash.data(), bytes, full_blocks);

  // §5.1.1 padding of the rest: a 1 bit, zeros, then the message length in bits as a 64-bit
  // big-endian number ending a block; one block if the rest leaves room for the 9 bytes, else two.
  unsigned char tail[2 * kBlockBytes] = {};
  const size_t rest = data.size() - full;
  if (rest > 0) std::memcpy(tail, bytes + full, rest);
  tail[rest] = 0x80;
  const size_t tail_bytes = rest + 9 <= kBlockBytes ? kBlockBytes : 2 * kBlockBytes;
  const uint64_t bits = uint64_t{data.size()} * 8;
  for (int i = 0; i < 8; ++i)
    tail[tail_bytes - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  compress(hash.data(), tail, tail_bytes / kBlockBytes);

  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint32_t word : hash) {
    for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(word >> shift) & 0xf]);
  }
  return out;
}

}  // namespace dracpu
