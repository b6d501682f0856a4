#include "nri-plugin/stub/stub.h"

#include <glog/logging.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <utility>

#include "nri-plugin/stub/plugin_service.h"
#include "nri-plugin/transport/mux_connection.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/unix_socket.h"

namespace dracpu::nri {

// Everything one connection owns. Destroyed by the session thread only, after the connection
// ended, so no reader or dispatch thread ever runs its destructor.
struct Stub::Session {
  Session(ttrpc::UniqueFd fd, PluginHandlers* handlers, int32_t events,
          std::function<void()> on_synchronized)
      : conn(std::move(fd)), service(handlers, events, std::move(on_synchronized)) {}
  ttrpc::MuxConnection conn;
  PluginService service;
  ttrpc::TtrpcClient* runtime = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  bool ended = false;
  Status end_reason;
};

Status ValidatePluginIdentity(const std::string& name, const std::string& idx) {
  if (idx.size() != 2 || !std::isdigit(static_cast<unsigned char>(idx[0])) ||
      !std::isdigit(static_cast<unsigned char>(idx[1]))) {
    return Status::InvalidArgument("plugin index \"" + idx + "\" must be two digits, e.g. 00");
  }
  if (name.empty()) return Status::InvalidArgument("plugin name is empty");
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '+' &&
        c != '-') {
      return Status::InvalidArgument("plugin name \"" + name +
                                     "\" may only contain [a-zA-Z0-9_.+-]");
    }
  }
  return Status::OK();
}

Status ApplyPluginEnvironment(StubOptions* options) {
  if (const char* name = std::getenv("NRI_PLUGIN_NAME"); name && *name) options->plugin_name = name;
  if (const char* idx = std::getenv("NRI_PLUGIN_IDX"); idx && *idx) options->plugin_idx = idx;
  if (const char* fd = std::getenv("NRI_PLUGIN_SOCKET"); fd && *fd) {
    char* end = nullptr;
    long n = std::strtol(fd, &end, 10);
    if (*end != '\0' || n < 0 || n > INT32_MAX) {
      return Status::InvalidArgument("NRI_PLUGIN_SOCKET=\"" + std::string(fd) +
                                     "\" is not a file descriptor number");
    }
    options->preconnected_fd = static_cast<int>(n);
  }
  return Status::OK();
}

Stub::Stub(StubOptions options, PluginHandlers* handlers, int32_t events)
    : options_(std::move(options)),
      handlers_(handlers),
      events_(events),
      preconnected_fd_(options_.preconnected_fd) {}

Stub::~Stub() {
  Stop();
  if (preconnected_fd_ >= 0) close(preconnected_fd_);
}

Status Stub::Start() {
  DRACPU_RETURN_IF_ERROR(ValidatePluginIdentity(options_.plugin_name, options_.plugin_idx));
  if (events_ == 0) return Status::InvalidArgument("the plugin handles no NRI event");
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void Stub::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (session_) session_->conn.Close();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Stub::SleepUnlessStopped(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void Stub::Run() {
  std::chrono::milliseconds backoff = options_.min_backoff;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    Status why = RunSession();
    const bool was_registered = registered_.exchange(false);
    synchronized_ = false;
    if (was_registered) {
      ++disconnects_;
      backoff = options_.min_backoff;
      handlers_->Disconnected();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (options_.preconnected_fd >= 0) {
      // A runtime-launched plugin cannot dial back; the runtime relaunches it instead.
      LOG(WARNING) << "nri: the runtime's connection ended ("
                   << (why.ok() ? "closed by the runtime" : why.ToString())
                   << "); not reconnecting";
      return;
    }
    // Wording from docs/troubleshooting.md, which operators grep for.
    if (was_registered) {
      LOG(WARNING) << "runtime connection lost; reconnecting in " << backoff.count() << " ms ("
                   << (why.ok() ? "closed by the runtime" : why.ToString()) << ")";
    } else {
      LOG(WARNING) << "NRI connect failed: " << options_.socket_path << ": "
                   << (why.ok() ? "closed by the runtime" : why.ToString()) << "; retrying in "
                   << backoff.count() << " ms";
    }
    if (!SleepUnlessStopped(backoff)) return;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Status Stub::RunSession() {
  StatusOr<ttrpc::UniqueFd> fd = Status::Unavailable("nri: no connection");
  if (options_.preconnected_fd >= 0) {
    fd = ttrpc::UniqueFd(std::exchange(preconnected_fd_, -1));
    if (!fd->valid()) return Status::Unavailable("nri: the runtime's connection is gone");
  } else {
    fd = ttrpc::ConnectUnix(options_.socket_path);
  }
  if (!fd.ok()) return fd.status();
  if (options_.preconnected_fd < 0) LOG(INFO) << "connected to NRI socket " << options_.socket_path;
  auto session = std::make_shared<Session>(std::move(*fd), handlers_, events_,
                                           [this] { synchronized_ = true; });
  // Serve the Plugin service before registering: the runtime may call Configure before our
  // RegisterPlugin call returns.
  session->service.RegisterOn(session->conn.AddServer(ttrpc::kPluginServiceConn));
  session->runtime = &session->conn.AddClient(ttrpc::kRuntimeServiceConn);
  Session* s = session.get();
  session->conn.Start([s](const Status& why) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->ended = true;
    s->end_reason = why;
    s->cv.notify_all();
  });
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::OK();
    session_ = session;
  }

  api::RegisterPluginRequest reg;
  reg.set_plugin_name(options_.plugin_name);
  reg.set_plugin_idx(options_.plugin_idx);
  api::Empty empty;
  Status registered = session->runtime->CallTyped(kRuntimeService, "RegisterPlugin", reg, &empty,
                                                  options_.register_timeout);
  if (registered.ok()) {
    registered_ = true;
    LOG(INFO) << "registered with runtime as " << options_.plugin_idx << "-"
              << options_.plugin_name;
  } else {
    LOG(WARNING) << "nri: RegisterPlugin failed: " << registered;
    session->conn.Close();
  }

  Status why;
  {
    std::unique_lock<std::mutex> lock(session->mu);
    session->cv.wait(lock, [&] { return session->ended; });
    why = registered.ok() ? session->end_reason : registered;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_.reset();
  }
  // Callers of UpdateContainers may still hold the session; they fail fast (closed) and drop
  // it. Wait for them so the last reference, and the joins in its destructor, are ours.
  while (session.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return why;
}

StatusOr<std::vector<api::ContainerUpdate>> Stub::UpdateContainers(
    const std::vector<api::ContainerUpdate>& updates,
    const std::vector<api::ContainerEviction>& evictions) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard<std::mutex> lock(mu_);
    session = session_;
  }
  if (!session || !registered_) return Status::Unavailable("nri: not connected to the runtime");
  api::UpdateContainersRequest req;
  for (const api::ContainerUpdate& u : updates) *req.add_update() = u;
  for (const api::ContainerEviction& e : evictions) *req.add_evict() = e;
  api::UpdateContainersResponse resp;
  DRACPU_RETURN_IF_ERROR(session->runtime->CallTyped(kRuntimeService, "UpdateContainers", req,
                                                     &resp, options_.update_timeout));
  return std::vector<api::ContainerUpdate>(resp.failed().begin(), resp.failed().end());
}

}  // namespace dracpu::nri
