#include "common/sha256.h"

#include <glog/logging.h>
#include <openssl/evp.h>

#include <cstdlib>

namespace dracpu {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure or a broken OpenSSL install: nothing an input
  // can cause, so it is not worth a Status in every caller.
  CHECK(EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) == 1)
      << "OpenSSL SHA-256 failed";
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

}  // namespace dracpu
