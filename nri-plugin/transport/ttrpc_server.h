// The server half of a ttrpc connection: a dispatch table service/method -> handler, the stream
// id rules, and Response encoding (ttrpc-and-nri.md A.3, A.5, A.6).
//
// Threading: OnRequest() is called by the connection's reader thread and only queues; handlers
// run one at a time, in arrival order, on the server's own dispatch thread, so a handler may
// make blocking client calls on the same socket (the reader thread stays free to deliver their
// responses). Handlers never see exceptions escape: one that throws answers INTERNAL.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_SERVER_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_SERVER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "common/status.h"
#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/message_sink.h"
#include "nri-plugin/transport/rpc_status.h"

namespace dracpu::ttrpc {

struct CallContext {
  std::string service;
  std::string method;
  uint32_t stream_id = 0;
  // From Request.timeout_nano, measured from arrival; absent when the caller sent none.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// Returns the serialized reply message, or a Status sent to the caller as its gRPC code.
using Handler = std::function<StatusOr<std::string>(std::string_view payload, const CallContext&)>;

class TtrpcServer {
 public:
  // Requests waiting for the dispatch thread beyond this are answered RESOURCE_EXHAUSTED at
  // once: a peer that floods us cannot grow memory without bound.
  static constexpr size_t kMaxQueuedRequests = 1024;

  TtrpcServer() = default;
  ~TtrpcServer();  // Stop()
  TtrpcServer(const TtrpcServer&) = delete;
  TtrpcServer& operator=(const TtrpcServer&) = delete;

  // REQUIRES: before Start(). A later registration of the same pair replaces the earlier one.
  void Register(const std::string& service, const std::string& method, Handler handler);

  // Typed convenience: parses Req (a failure answers INTERNAL, as Go's server does) and
  // serializes Resp.
  template <typename Req, typename Resp>
  void RegisterTyped(const std::string& service, const std::string& method,
                     std::function<StatusOr<Resp>(const Req&, const CallContext&)> fn) {
    Register(service, method,
             [fn = std::move(fn)](std::string_view payload,
                                  const CallContext& ctx) -> StatusOr<std::string> {
               Req req;
               if (!req.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
                 return Status::Internal("ttrpc: error unmarshalling payload of " + ctx.method);
               }
               StatusOr<Resp> resp = fn(req, ctx);
               if (!resp.ok()) return resp.status();
               return resp->SerializeAsString();
             });
  }

  // Responses go to `sink`, which must outlive Stop(). With inline_dispatch the handlers run on
  // the caller of OnRequest() (tests, fuzzing); otherwise a dispatch thread is started.
  // REQUIRES: called once.
  void Start(MessageSink* sink, bool inline_dispatch = false);

  // Reader-thread entry points (one frame each, in arrival order).
  void OnRequest(const FrameHeader& header, std::string_view data);
  // A Request whose data exceeded 4 MiB and was skipped: answers RESOURCE_EXHAUSTED.
  void OnOversizeRequest(const FrameHeader& header);

  // Drops queued requests, waits for a running handler, joins the thread. Idempotent.
  // REQUIRES: not called from a handler.
  void Stop();

 private:
  struct Pending {
    FrameHeader header;
    std::string data;
    bool oversize = false;
    std::chrono::steady_clock::time_point arrival;
  };

  void Enqueue(Pending p);
  void Process(const Pending& p);
  void Dispatch(uint32_t stream_id, std::string_view data,
                std::chrono::steady_clock::time_point arrival);
  void Reply(uint32_t stream_id, RpcCode code, const std::string& message,
             std::string_view payload);
  void RunLoop();

  std::map<std::pair<std::string, std::string>, Handler> handlers_;
  std::map<std::string, int> services_;  // service -> number of methods
  MessageSink* sink_ = nullptr;
  bool inline_dispatch_ = false;
  uint32_t last_stream_id_ = 0;  // touched by the dispatching thread only

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_TTRPC_SERVER_H_
