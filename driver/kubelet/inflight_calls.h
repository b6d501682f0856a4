// InflightCalls: how many gRPC handlers of the kubelet plugin are running, so that Stop can let
// them finish and then close the connections at once.
//
// Why: grpc::Server::Shutdown(deadline) completes only when every connection is gone, and the
// kubelet keeps its connections open (the health stream's, and the one it prepares over). Once
// no handler runs, waiting for the kubelet to hang up gains nothing, so Stop waits here for the
// handlers (up to its grace) and then shuts the server down with a deadline a moment away (the
// replies of handlers that just returned still have to be sent), which then cancels what is
// left and closes the connections.
//
// Thread-safe.

#ifndef DRACPU_DRIVER_KUBELET_INFLIGHT_CALLS_H_
#define DRACPU_DRIVER_KUBELET_INFLIGHT_CALLS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace dracpu::kubelet {

class InflightCalls {
 public:
  // Counts one handler for its lifetime.
  class Scope {
   public:
    explicit Scope(InflightCalls* calls) : calls_(calls) { calls_->Add(1); }
    ~Scope() { calls_->Add(-1); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    InflightCalls* const calls_;
  };

  // True when no handler is running, at once or before `deadline`.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline);

  int running() const;

 private:
  void Add(int delta);

  mutable std::mutex mu_;
  std::condition_variable idle_;
  int running_ = 0;
};

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_INFLIGHT_CALLS_H_
