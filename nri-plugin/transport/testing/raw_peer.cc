#include "nri-plugin/transport/testing/raw_peer.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "nri-plugin/transport/byte_order.h"

namespace dracpu::ttrpc::testing {

std::string FromHex(std::string_view hex) {
  std::string digits;
  for (char c : hex) {
    if (!std::isspace(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  if (digits.size() % 2 != 0) std::abort();
  std::string out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

StatusOr<std::string> ReadExactly(int fd, size_t n, std::chrono::milliseconds timeout) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::DeadlineExceeded("read timed out");
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) continue;
    char buf[65536];
    ssize_t got = read(fd, buf, std::min(sizeof(buf), n - out.size()));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Status::Unavailable("peer closed");
    out.append(buf, static_cast<size_t>(got));
  }
  return out;
}

bool PeerClosed(int fd, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    StatusOr<std::string> b = ReadExactly(fd, 1, std::chrono::milliseconds(100));
    if (b.status().IsUnavailable()) return true;
  }
  return false;
}

StatusOr<std::string> ReadTtrpcMessage(int fd) {
  StatusOr<std::string> header = ReadExactly(fd, 10);
  if (!header.ok()) return header;
  uint32_t len = GetBigEndian32(reinterpret_cast<const uint8_t*>(header->data()));
  StatusOr<std::string> data = ReadExactly(fd, len);
  if (!data.ok()) return data;
  return *header + *data;
}

StatusOr<std::string> ReadMuxFrame(int fd) {
  StatusOr<std::string> header = ReadExactly(fd, 8);
  if (!header.ok()) return header;
  uint32_t len = GetBigEndian32(reinterpret_cast<const uint8_t*>(header->data()) + 4);
  StatusOr<std::string> data = ReadExactly(fd, len);
  if (!data.ok()) return data;
  return *header + *data;
}

}  // namespace dracpu::ttrpc::testing
