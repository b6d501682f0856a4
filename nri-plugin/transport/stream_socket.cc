#include "nri-plugin/transport/stream_socket.h"

#include <errno.h>
#include <glog/logging.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dracpu::ttrpc {

StreamSocket::StreamSocket(UniqueFd fd, std::chrono::milliseconds send_timeout)
    : fd_(std::move(fd)) {
  Status s = SetSendTimeout(fd_.get(), send_timeout);
  if (!s.ok()) LOG(WARNING) << "stream socket: " << s;
}

StreamSocket::~StreamSocket() {
  Close();
  Join();
}

void StreamSocket::Start(BytesFn on_bytes, EndFn on_end) {
  reader_ = std::thread([this, on_bytes = std::move(on_bytes), on_end = std::move(on_end)] {
    ReadLoop(on_bytes, on_end);
  });
}

void StreamSocket::ReadLoop(const BytesFn& on_bytes, const EndFn& on_end) {
  Status why;
  try {
    std::string buf(64 * 1024, '\0');
    for (;;) {
      ssize_t n = read(fd_.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        if (!closed_) why = Status::Unavailable(std::string("read: ") + strerror(errno));
        break;
      }
      if (n == 0) break;  // EOF, or our own Close()
      why = on_bytes(std::string_view(buf.data(), static_cast<size_t>(n)));
      if (!why.ok()) break;
    }
  } catch (const std::exception& e) {
    why = Status::Internal(std::string("reader thread: ") + e.what());
  } catch (...) {
    why = Status::Internal("reader thread: unknown exception");
  }
  Close();
  try {
    on_end(why);
  } catch (...) {
    LOG(ERROR) << "stream socket: on_end threw";
  }
  std::lock_guard<std::mutex> lock(end_mu_);
  ended_ = true;
  end_cv_.notify_all();
}

Status StreamSocket::Write(const std::vector<std::string>& pieces) {
  std::lock_guard<std::mutex> lock(write_mu_);
  for (const std::string& piece : pieces) DRACPU_RETURN_IF_ERROR(WriteLocked(piece));
  return Status::OK();
}

Status StreamSocket::Write(std::string_view bytes) {
  std::lock_guard<std::mutex> lock(write_mu_);
  return WriteLocked(bytes);
}

Status StreamSocket::WriteLocked(std::string_view bytes) {
  if (closed_) return Status::Unavailable("connection closed");
  Status s = SendAll(fd_.get(), bytes);
  if (!s.ok()) {
    // A partial message would desynchronize the peer's framing: give the connection up.
    LOG(WARNING) << "stream socket: write failed, closing: " << s;
    Close();
    return Status::Unavailable(s.message());
  }
  return Status::OK();
}

void StreamSocket::Close() {
  if (!closed_.exchange(true)) shutdown(fd_.get(), SHUT_RDWR);
}

bool StreamSocket::WaitEnded(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(end_mu_);
  return end_cv_.wait_for(lock, timeout, [this] { return ended_; });
}

void StreamSocket::Join() {
  if (reader_.joinable()) reader_.join();
}

}  // namespace dracpu::ttrpc
