#include "driver/kubelet/health_reporter.h"

#include <glog/logging.h>

#include <exception>

namespace dracpu::kubelet {
namespace {

// How often a waiting stream looks at its cancellation flag: the client going away is not
// signalled to a blocked synchronous handler.
constexpr std::chrono::milliseconds kCancelPoll(200);

}  // namespace

HealthReporter::HealthReporter(DeviceLister lister, std::chrono::milliseconds period,
                               int64_t health_check_timeout_seconds)
    : lister_(std::move(lister)), period_(period), timeout_seconds_(health_check_timeout_seconds) {}

bool HealthReporter::NextList(uint64_t* seen_generation, const std::function<bool()>& cancelled,
                              std::vector<DeviceId>* devices) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (*seen_generation != kNeverSent) {
      const auto due = std::chrono::steady_clock::now() + period_;
      while (!stopping_ && generation_ == *seen_generation &&
             std::chrono::steady_clock::now() < due) {
        if (cancelled()) return false;
        cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                               kCancelPoll, due - std::chrono::steady_clock::now()));
      }
    }
    if (stopping_ || cancelled()) return false;
    *seen_generation = generation_;
  }
  *devices = ListDevices();
  return true;
}

void HealthReporter::DevicesChanged() {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  cv_.notify_all();
}

void HealthReporter::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
}

std::vector<DeviceId> HealthReporter::ListDevices() {
  if (!lister_) return {};
  try {
    return lister_();
  } catch (const std::exception& e) {
    LOG(ERROR) << "health: listing devices failed: " << e.what();
  } catch (...) {
    LOG(ERROR) << "health: listing devices failed with an unknown exception";
  }
  return {};
}

}  // namespace dracpu::kubelet
