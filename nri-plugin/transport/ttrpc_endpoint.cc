#include "nri-plugin/transport/ttrpc_endpoint.h"

#include <glog/logging.h>

namespace dracpu::ttrpc {

Status TtrpcEndpoint::Feed(std::string_view bytes) {
  parser_.Append(bytes);
  for (;;) {
    switch (parser_.Next()) {
      case FrameParser::Result::kNeedMore: return Status::OK();
      case FrameParser::Result::kError: return parser_.error().Annotate(name_);
      case FrameParser::Result::kOversize: {
        const FrameHeader& h = parser_.header();
        if (h.type == static_cast<uint8_t>(MessageType::kRequest) && server_) {
          server_->OnOversizeRequest(h);
        } else if (h.type == static_cast<uint8_t>(MessageType::kResponse) && client_) {
          client_->OnOversizeResponse(h);
        } else {
          LOG(WARNING) << name_ << ": skipping oversized message of type " << int{h.type}
                       << " on stream " << h.stream_id;
        }
        break;
      }
      case FrameParser::Result::kFrame: {
        const FrameHeader& h = parser_.header();
        if (h.type == static_cast<uint8_t>(MessageType::kRequest) && server_) {
          server_->OnRequest(h, parser_.data());
        } else if (h.type == static_cast<uint8_t>(MessageType::kResponse) && client_) {
          client_->OnResponse(h, parser_.data());
        } else {
          VLOG(1) << name_ << ": ignoring message of type " << int{h.type} << " on stream "
                  << h.stream_id;
        }
        break;
      }
    }
  }
}

Status TtrpcEndpoint::Finish() const {
  if (parser_.buffered() > 0 || parser_.skipping() > 0) {
    return Status::Corruption(name_ + ": connection ended inside a ttrpc message (" +
                              std::to_string(parser_.buffered()) + " bytes buffered)");
  }
  return Status::OK();
}

}  // namespace dracpu::ttrpc
