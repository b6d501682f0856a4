// Test helpers: hex conversion and a raw socket peer that reads exact byte counts with a
// timeout, for tests that speak the wire format by hand.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_TESTING_RAW_PEER_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_TESTING_RAW_PEER_H_

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dracpu::ttrpc::testing {

// "0a 1c ..." or "0a1c..." (whitespace ignored) -> bytes. REQUIRES: valid hex.
std::string FromHex(std::string_view hex);
std::string ToHex(std::string_view bytes);

// Reads exactly n bytes; DeadlineExceeded on timeout, Unavailable on EOF.
StatusOr<std::string> ReadExactly(int fd, size_t n,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
// True when the peer closed the connection (EOF or reset) within `timeout`.
bool PeerClosed(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Reads one ttrpc message (header + data) / one mux frame (header + payload).
StatusOr<std::string> ReadTtrpcMessage(int fd);
StatusOr<std::string> ReadMuxFrame(int fd);

}  // namespace dracpu::ttrpc::testing

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_TESTING_RAW_PEER_H_
