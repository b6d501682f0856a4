// The client half of a ttrpc connection: unary calls with a deadline (ttrpc-and-nri.md A.3,
// A.6). Stream ids are 1, 3, 5, ... and reach the wire in increasing order (allocation and send
// happen under one lock, as in Go's client).
//
// Threading: Call() may be made from any number of threads at once and blocks its caller.
// OnResponse()/Close() are called by the connection's reader thread. A response for a stream
// nobody waits for (unknown, timed out) is logged and dropped.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CLIENT_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CLIENT_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/message_sink.h"

namespace dracpu::ttrpc {

class TtrpcClient {
 public:
  // REQUIRES: sink outlives this client.
  explicit TtrpcClient(MessageSink* sink) : sink_(sink) {}
  TtrpcClient(const TtrpcClient&) = delete;
  TtrpcClient& operator=(const TtrpcClient&) = delete;

  // Sends Request{service, method, payload, timeout_nano} and waits for its Response.
  // Returns the reply payload; the server's non-zero status as StatusFromRpc(); DeadlineExceeded
  // when `timeout` passes first (the timeout is also sent to the server); Unavailable when the
  // connection is or becomes closed.
  StatusOr<std::string> Call(std::string_view service, std::string_view method,
                             std::string_view payload,
                             std::optional<std::chrono::nanoseconds> timeout = std::nullopt);

  // Typed convenience: serializes req, parses the reply into *resp.
  template <typename Req, typename Resp>
  Status CallTyped(std::string_view service, std::string_view method, const Req& req, Resp* resp,
                   std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
    StatusOr<std::string> reply = Call(service, method, req.SerializeAsString(), timeout);
    if (!reply.ok()) return reply.status();
    if (!resp->ParseFromString(*reply)) {
      return Status::Corruption("ttrpc: undecodable " + std::string(method) + " reply");
    }
    return Status::OK();
  }

  // Reader-thread entry points.
  void OnResponse(const FrameHeader& header, std::string_view data);
  void OnOversizeResponse(const FrameHeader& header);
  // Fails every pending and future call with `why` (an Unavailable status). Idempotent.
  void Close(const Status& why);

 private:
  void Complete(uint32_t stream_id, StatusOr<std::string> result);

  MessageSink* const sink_;
  std::mutex send_mu_;  // held across id allocation and send
  uint32_t next_stream_id_ = 1;

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint32_t, std::optional<StatusOr<std::string>>> pending_;
  std::optional<Status> closed_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_CLIENT_H_
