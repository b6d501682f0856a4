// Big-endian (network order) 32-bit integers, as ttrpc and the NRI mux put them on the wire.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_ORDER_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_ORDER_H_

#include <cstdint>

namespace dracpu::ttrpc {

inline void PutBigEndian32(uint32_t v, uint8_t* out) {
  out[0] = static_cast<uint8_t>(v >> 24);
  out[1] = static_cast<uint8_t>(v >> 16);
  out[2] = static_cast<uint8_t>(v >> 8);
  out[3] = static_cast<uint8_t>(v);
}

inline uint32_t GetBigEndian32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) |
         uint32_t{in[3]};
}

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_BYTE_ORDER_H_
