#include "nri-plugin/transport/ttrpc_server.h"

#include <glog/logging.h>

#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {

TtrpcServer::~TtrpcServer() { Stop(); }

void TtrpcServer::Register(const std::string& service, const std::string& method, Handler handler) {
  if (handlers_.emplace(std::make_pair(service, method), handler).second) {
    ++services_[service];
  } else {
    handlers_[{service, method}] = std::move(handler);
  }
}

void TtrpcServer::Start(MessageSink* sink, bool inline_dispatch) {
  sink_ = sink;
  inline_dispatch_ = inline_dispatch;
  if (!inline_dispatch_) thread_ = std::thread([this] { RunLoop(); });
}

void TtrpcServer::OnRequest(const FrameHeader& header, std::string_view data) {
  Enqueue({header, std::string(data), false, std::chrono::steady_clock::now()});
}

void TtrpcServer::OnOversizeRequest(const FrameHeader& header) {
  Enqueue({header, std::string(), true, std::chrono::steady_clock::now()});
}

void TtrpcServer::Enqueue(Pending p) {
  if (inline_dispatch_) return Process(p);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (queue_.size() < kMaxQueuedRequests) {
      queue_.push_back(std::move(p));
      cv_.notify_one();
      return;
    }
  }
  LOG(WARNING) << "ttrpc: " << kMaxQueuedRequests << " requests already queued; stream "
               << p.header.stream_id << " rejected";
  Reply(p.header.stream_id, RpcCode::kResourceExhausted, "too many requests in flight", {});
}

void TtrpcServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void TtrpcServer::RunLoop() {
  for (;;) {
    Pending p;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      p = std::move(queue_.front());
      queue_.pop_front();
    }
    Process(p);
  }
}

void TtrpcServer::Process(const Pending& p) {
  const uint32_t id = p.header.stream_id;
  if (p.oversize) {
    LOG(WARNING) << "ttrpc: request on stream " << id << " of " << p.header.length
                 << " bytes exceeds the " << kMaxDataLength << "-byte limit; rejected";
    return Reply(id, RpcCode::kResourceExhausted,
                 "message length " + std::to_string(p.header.length) +
                     " exceed maximum message size of " + std::to_string(kMaxDataLength),
                 {});
  }
  if (id % 2 == 0) {
    LOG(WARNING) << "ttrpc: request with even stream id " << id << " rejected";
    return Reply(id, RpcCode::kInvalidArgument, "StreamID must be odd for client initiated streams",
                 {});
  }
  if (id <= last_stream_id_) {
    LOG(WARNING) << "ttrpc: request reuses stream id " << id << " (last " << last_stream_id_
                 << "); rejected";
    return Reply(id, RpcCode::kInvalidArgument, "StreamID cannot be re-used and must increment",
                 {});
  }
  last_stream_id_ = id;
  Dispatch(id, p.data, p.arrival);
}

void TtrpcServer::Dispatch(uint32_t stream_id, std::string_view data,
                           std::chrono::steady_clock::time_point arrival) {
  ::ttrpc::Request req;
  if (!req.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    LOG(WARNING) << "ttrpc: undecodable request envelope on stream " << stream_id;
    return Reply(stream_id, RpcCode::kInvalidArgument, "unmarshal request error", {});
  }
  auto it = handlers_.find({req.service(), req.method()});
  if (it == handlers_.end()) {
    VLOG(1) << "ttrpc: no handler for " << req.service() << "/" << req.method();
    if (services_.count(req.service()) == 0) {
      return Reply(stream_id, RpcCode::kUnimplemented, "service " + req.service(), {});
    }
    return Reply(stream_id, RpcCode::kUnimplemented, "method " + req.method(), {});
  }
  CallContext ctx{req.service(), req.method(), stream_id, std::nullopt};
  if (req.timeout_nano() > 0) ctx.deadline = arrival + std::chrono::nanoseconds(req.timeout_nano());
  StatusOr<std::string> result = Status::Internal("handler did not run");
  try {
    result = it->second(req.payload(), ctx);
  } catch (...) {
    result = Status::Internal("handler for " + req.method() + " threw");
  }
  if (!result.ok()) {
    VLOG(1) << "ttrpc: " << req.method() << " failed: " << result.status();
    return Reply(stream_id, RpcCodeFromStatus(result.status()), result.status().message(), {});
  }
  Reply(stream_id, RpcCode::kOk, "", *result);
}

void TtrpcServer::Reply(uint32_t stream_id, RpcCode code, const std::string& message,
                        std::string_view payload) {
  ::ttrpc::Response resp;
  // Always present, as current Go servers send it (`0a 00` on success).
  google::rpc::Status* status = resp.mutable_status();
  status->set_code(static_cast<int32_t>(code));
  status->set_message(message);
  resp.set_payload(std::string(payload));
  StatusOr<std::string> frame =
      EncodeFrame(stream_id, MessageType::kResponse, 0, resp.SerializeAsString());
  if (!frame.ok()) {
    // A reply the peer could not accept; tell it so instead (Go: OversizedMessageErr).
    LOG(ERROR) << "ttrpc: reply on stream " << stream_id << ": " << frame.status();
    return Reply(stream_id, RpcCode::kResourceExhausted, frame.status().message(), {});
  }
  Status sent = sink_->SendMessage(*frame);
  if (!sent.ok()) VLOG(1) << "ttrpc: reply on stream " << stream_id << " not sent: " << sent;
}

}  // namespace dracpu::ttrpc
