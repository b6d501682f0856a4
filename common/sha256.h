// SHA-256 (FIPS 180-4), written out in common/sha256.cc: the state file's checksum is the only
// digest the project computes itself, and linking OpenSSL's libcrypto for it cost the nri-plugin
// ~1.4 MiB of resident memory. Portable C++, no CPU extensions: a few hundred MB/s, far more than
// a state file needs (bench_state prints the figure beside OpenSSL's).

#ifndef DRACPU_COMMON_SHA256_H_
#define DRACPU_COMMON_SHA256_H_

#include <string>
#include <string_view>

namespace dracpu {

// The SHA-256 digest of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace dracpu

#endif  // DRACPU_COMMON_SHA256_H_
