#include "nri-plugin/transport/ttrpc_channel.h"

#include <glog/logging.h>

namespace dracpu::ttrpc {

TtrpcChannel::TtrpcChannel(UniqueFd fd) : socket_(std::move(fd)) {}

TtrpcChannel::~TtrpcChannel() {
  socket_.Close();
  socket_.Join();
  server_.Stop();
}

void TtrpcChannel::Start(std::function<void(const Status&)> on_closed) {
  server_.Start(this);
  socket_.Start([this](std::string_view bytes) { return endpoint_.Feed(bytes); },
                [this, on_closed = std::move(on_closed)](const Status& why) {
                  Status reason = why.ok() ? endpoint_.Finish() : why;
                  if (!reason.ok()) LOG(WARNING) << "ttrpc: closing connection: " << reason;
                  client_.Close(Status::Unavailable("ttrpc: connection closed" +
                                                    (reason.ok() ? "" : ": " + reason.ToString())));
                  if (on_closed) on_closed(reason);
                });
}

}  // namespace dracpu::ttrpc
