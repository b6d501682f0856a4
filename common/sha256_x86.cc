// SHA-256 block compression with the x86 SHA extensions (Intel SHA-NI: sha256rnds2 does two
// rounds, sha256msg1/msg2 extend the message schedule). Compiled for those instructions with
// function attributes, so the rest of the binary stays baseline x86-64; sha256.cc calls this only
// after cpuid said the CPU has them.

#include "common/sha256_blocks.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <cpuid.h>
#include <immintrin.h>

namespace dracpu::sha256_internal {

bool CpuHasShaInstructions() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool ssse3 = ecx & (1u << 9), sse41 = ecx & (1u << 19);
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool sha = ebx & (1u << 29);
  return ssse3 && sse41 && sha;
}

__attribute__((target("sha,ssse3,sse4.1"))) void CompressBlocksWithShaInstructions(
    uint32_t hash[8], const unsigned char* data, size_t blocks) {
  // The instructions keep the working variables as two vectors, (A, B, E, F) and (C, D, G, H),
  // highest lane first.
  __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&hash[0]));
  __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&hash[4]));
  abcd = _mm_shuffle_epi32(abcd, 0xB1);              // C D A B
  efgh = _mm_shuffle_epi32(efgh, 0x1B);              // E F G H
  __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);     // A B E F
  __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);  // C D G H
  // Message words are big-endian.
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

  for (; blocks > 0; --blocks, data += 64) {
    const __m128i abef_before = abef, cdgh_before = cdgh;
    __m128i w[4];  // w[g % 4]: the schedule words of rounds 4g .. 4g+3
    for (int i = 0; i < 4; ++i) {
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)),
                              byte_swap);
    }
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
      const __m128i current = w[g % 4];
      __m128i k_plus_w = _mm_add_epi32(
          current, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRoundConstants[4 * g])));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k_plus_w);
      // The words of group g+1 (from 4 on): W[t-7] comes from the previous and this group,
      // sigma1 from this one, sigma0 + W[t-16] already went in through msg1 below.
      if (g >= 3 && g <= 14) {
        __m128i& next = w[(g + 1) % 4];
        next = _mm_add_epi32(next, _mm_alignr_epi8(current, w[(g + 3) % 4], 4));
        next = _mm_sha256msg2_epu32(next, current);
      }
      k_plus_w = _mm_shuffle_epi32(k_plus_w, 0x0E);  // the group's upper two words
      abef = _mm_sha256rnds2_epu32(abef, cdgh, k_plus_w);
      // Start the words of group g+3 from those of group g-1: W[t-16] + sigma0(W[t-15]).
      if (g >= 1 && g <= 12) w[(g + 3) % 4] = _mm_sha256msg1_epu32(w[(g + 3) % 4], current);
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }

  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&hash[0]), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&hash[4]), _mm_alignr_epi8(dchg, feba, 8));
}

}  // namespace dracpu::sha256_internal

#else  // not x86-64 with GCC or Clang

#include <cstdlib>

namespace dracpu::sha256_internal {

bool CpuHasShaInstructions() { return false; }

// Never called (CpuHasShaInstructions() is false here); a wrong checksum must not pass silently.
void CompressBlocksWithShaInstructions(uint32_t*, const unsigned char*, size_t) { std::abort(); }

}  // namespace dracpu::sha256_internal

#endif
