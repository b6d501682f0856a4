// SHA-256 (FIPS 180-4), written out in common/sha256.cc: the state file's checksum is the only
// digest the project computes itself, and linking OpenSSL's libcrypto for it cost the nri-plugin
// ~1.4 MiB of resident memory. On x86-64 CPUs with the SHA extensions it uses them (about
// 1.8 GB/s, as fast as OpenSSL: the driver hashes the state file on every write); elsewhere it
// is portable C++ at a few hundred MB/s (sha256_x86.cc; bench_state prints both beside OpenSSL).

#ifndef DRACPU_COMMON_SHA256_H_
#define DRACPU_COMMON_SHA256_H_

#include <string>
#include <string_view>

namespace dracpu {

// The SHA-256 digest of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace dracpu

#endif  // DRACPU_COMMON_SHA256_H_
