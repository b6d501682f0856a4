// A connected stream socket with one reader thread and serialized writes: the I/O shell shared
// by TtrpcChannel and MuxConnection.
//
// Ownership and shutdown: the object owns the fd and the thread. Close() may be called from any
// thread (including the reader thread and handlers) and only shuts the socket down; the
// destructor closes and joins. The reader thread ends at EOF, on a read error, or when on_bytes
// returns non-OK; it then shuts the socket down and calls on_end once with the reason (OK for a
// clean EOF). Exceptions thrown by callbacks are caught on the reader thread and end it.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_STREAM_SOCKET_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_STREAM_SOCKET_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "nri-plugin/transport/unix_socket.h"

namespace dracpu::ttrpc {

class StreamSocket {
 public:
  using BytesFn = std::function<Status(std::string_view)>;
  using EndFn = std::function<void(const Status&)>;

  // Writes that block longer than send_timeout fail and close the socket.
  explicit StreamSocket(UniqueFd fd,
                        std::chrono::milliseconds send_timeout = std::chrono::seconds(10));
  ~StreamSocket();
  StreamSocket(const StreamSocket&) = delete;
  StreamSocket& operator=(const StreamSocket&) = delete;

  // REQUIRES: called once.
  void Start(BytesFn on_bytes, EndFn on_end);

  // Writes the pieces back to back (no other Write interleaves). Unavailable once closed.
  Status Write(const std::vector<std::string>& pieces);
  Status Write(std::string_view bytes);

  void Close();
  bool closed() const { return closed_.load(); }
  // True once the reader thread has finished (and on_end has returned).
  bool WaitEnded(std::chrono::milliseconds timeout);
  // REQUIRES: not on the reader thread.
  void Join();

 private:
  void ReadLoop(const BytesFn& on_bytes, const EndFn& on_end);
  // REQUIRES: write_mu_ held.
  Status WriteLocked(std::string_view bytes);

  UniqueFd fd_;
  std::atomic<bool> closed_{false};
  std::mutex write_mu_;
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  bool ended_ = false;
  std::thread reader_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_STREAM_SOCKET_H_
