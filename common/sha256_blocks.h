// Inside common/sha256: the block compression step, portable and with the x86 SHA extensions.
// Not part of the public interface; sha256.cc picks one, sha256_test.cc holds them to each other.

#ifndef DRACPU_COMMON_SHA256_BLOCKS_H_
#define DRACPU_COMMON_SHA256_BLOCKS_H_

#include <cstddef>
#include <cstdint>

namespace dracpu::sha256_internal {

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64
// primes.
extern const uint32_t kRoundConstants[64];

// §6.2.2 for `blocks` consecutive 64-byte blocks at `data`, into the running `hash`.
void CompressBlocksPortable(uint32_t hash[8], const unsigned char* data, size_t blocks);

// Whether this CPU has the SHA extensions (and the SSSE3 and SSE4.1 the code needs with them).
// Always false off x86-64.
bool CpuHasShaInstructions();

// The same as CompressBlocksPortable, with the SHA extensions.
// REQUIRES: CpuHasShaInstructions().
void CompressBlocksWithShaInstructions(uint32_t hash[8], const unsigned char* data, size_t blocks);

}  // namespace dracpu::sha256_internal

#endif  // DRACPU_COMMON_SHA256_BLOCKS_H_
