// SHA-256 through OpenSSL's EVP interface (the only crypto library the project may use).

#ifndef DRACPU_COMMON_SHA256_H_
#define DRACPU_COMMON_SHA256_H_

#include <string>
#include <string_view>

namespace dracpu {

// 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace dracpu

#endif  // DRACPU_COMMON_SHA256_H_
