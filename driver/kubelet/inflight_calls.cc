#include "driver/kubelet/inflight_calls.h"

namespace dracpu::kubelet {

bool InflightCalls::WaitIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_until(lock, deadline, [this] { return running_ == 0; });
}

int InflightCalls::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void InflightCalls::Add(int delta) {
  std::lock_guard<std::mutex> lock(mu_);
  running_ += delta;
  if (running_ == 0) idle_.notify_all();
}

}  // namespace dracpu::kubelet
