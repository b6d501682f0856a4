#include "e2e/runtime_standin/plugin_link.h"

#include <glog/logging.h>
#include <sys/socket.h>

#include "nri-plugin/stub/stub.h"
#include "nri-plugin/transport/mux_frame.h"

namespace dracpu::standin {
namespace {

pid_t PeerPid(int fd) {
  struct ucred cred {};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  return cred.pid;
}

}  // namespace

bool IsUnimplemented(const Status& s) {
  return s.message().rfind("rpc error UNIMPLEMENTED", 0) == 0;
}

bool IsFatalPluginError(const Status& s) {
  return s.code() == Status::Code::kDeadlineExceeded || s.code() == Status::Code::kUnavailable;
}

PluginLink::PluginLink(ttrpc::UniqueFd fd, UpdateFn on_update, LatencyFn on_latency)
    : peer_pid_(PeerPid(fd.get())),
      mux_(std::move(fd)),
      on_update_(std::move(on_update)),
      on_latency_(std::move(on_latency)) {
  ttrpc::TtrpcServer& server = mux_.AddServer(ttrpc::kRuntimeServiceConn);
  client_ = &mux_.AddClient(ttrpc::kPluginServiceConn);
  server.RegisterTyped<api::RegisterPluginRequest, api::Empty>(
      kRuntimeService, "RegisterPlugin",
      [this](const api::RegisterPluginRequest& req,
             const ttrpc::CallContext&) -> StatusOr<api::Empty> {
        Status s = nri::ValidatePluginIdentity(req.plugin_name(), req.plugin_idx());
        {
          std::lock_guard<std::mutex> lock(mu_);
          registered_ = true;
          identity_ = s;
          name_ = req.plugin_name();
          index_ = req.plugin_idx();
        }
        cv_.notify_all();
        LOG(INFO) << "runtime stand-in: plugin " << req.plugin_idx() << "-" << req.plugin_name()
                  << " registering" << (s.ok() ? "" : ", refused: " + s.message());
        if (!s.ok()) return s;
        return api::Empty();
      });
  server.RegisterTyped<api::UpdateContainersRequest, api::UpdateContainersResponse>(
      kRuntimeService, "UpdateContainers",
      [this](const api::UpdateContainersRequest& req, const ttrpc::CallContext&)
          -> StatusOr<api::UpdateContainersResponse> { return on_update_(*this, req); });
  mux_.Start([](const Status& why) {
    LOG(INFO) << "runtime stand-in: plugin connection ended"
              << (why.ok() ? "" : ": " + why.ToString());
  });
}

PluginLink::~PluginLink() { mux_.Close(); }

Status PluginLink::WaitRegistered(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [this] { return registered_ || mux_.closed(); })) {
    return Status::DeadlineExceeded("plugin did not register within " +
                                    std::to_string(timeout.count()) + " ms");
  }
  if (!registered_) return Status::Unavailable("plugin disconnected before registering");
  return identity_;
}

}  // namespace dracpu::standin
