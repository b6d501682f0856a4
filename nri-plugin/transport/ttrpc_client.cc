#include "nri-plugin/transport/ttrpc_client.h"

#include <glog/logging.h>

#include "nri-plugin/transport/rpc_status.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {

StatusOr<std::string> TtrpcClient::Call(std::string_view service, std::string_view method,
                                        std::string_view payload,
                                        std::optional<std::chrono::nanoseconds> timeout) {
  const auto start = std::chrono::steady_clock::now();
  ::ttrpc::Request req;
  req.set_service(std::string(service));
  req.set_method(std::string(method));
  req.set_payload(std::string(payload));
  if (timeout) req.set_timeout_nano(timeout->count());
  const std::string data = req.SerializeAsString();

  uint32_t id;
  {
    std::lock_guard<std::mutex> send_lock(send_mu_);
    id = next_stream_id_;
    StatusOr<std::string> frame = EncodeFrame(id, MessageType::kRequest, 0, data);
    if (!frame.ok()) return frame.status();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return *closed_;
      pending_.emplace(id, std::nullopt);
    }
    next_stream_id_ += 2;
    Status sent = sink_->SendMessage(*frame);
    if (!sent.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.erase(id);
      return sent;
    }
  }

  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] { return pending_.at(id).has_value() || closed_.has_value(); };
  if (timeout) {
    if (!cv_.wait_until(lock, start + *timeout, ready)) {
      pending_.erase(id);
      return Status::DeadlineExceeded("ttrpc: " + std::string(method) + " (stream " +
                                      std::to_string(id) + ") got no response in time");
    }
  } else {
    cv_.wait(lock, ready);
  }
  auto it = pending_.find(id);
  std::optional<StatusOr<std::string>> result = std::move(it->second);
  pending_.erase(it);
  if (result) return std::move(*result);
  return *closed_;
}

void TtrpcClient::OnResponse(const FrameHeader& header, std::string_view data) {
  ::ttrpc::Response resp;
  if (!resp.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    LOG(WARNING) << "ttrpc: undecodable response envelope on stream " << header.stream_id;
    return Complete(header.stream_id, Status::Corruption("ttrpc: undecodable response envelope"));
  }
  // An absent status (ttrpc <= v1.2.3) and code 0 both mean success.
  if (resp.has_status() && resp.status().code() != 0) {
    return Complete(header.stream_id, StatusFromRpc(resp.status().code(), resp.status().message()));
  }
  Complete(header.stream_id, std::move(*resp.mutable_payload()));
}

void TtrpcClient::OnOversizeResponse(const FrameHeader& header) {
  LOG(WARNING) << "ttrpc: response on stream " << header.stream_id << " of " << header.length
               << " bytes exceeds the limit; call failed";
  Complete(header.stream_id,
           Status::ResourceExhausted("ttrpc: response of " + std::to_string(header.length) +
                                     " bytes exceeds the maximum message size"));
}

void TtrpcClient::Complete(uint32_t stream_id, StatusOr<std::string> result) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(stream_id);
  if (it == pending_.end() || it->second.has_value()) {
    LOG(WARNING) << "ttrpc: response for unknown or finished stream " << stream_id << " dropped";
    return;
  }
  it->second = std::move(result);
  cv_.notify_all();
}

void TtrpcClient::Close(const Status& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = why.ok() ? Status::Unavailable("ttrpc: connection closed") : why;
  cv_.notify_all();
}

}  // namespace dracpu::ttrpc
