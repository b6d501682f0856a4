// HealthReporter: the version-neutral side of the DRA resource health stream
// (NodeWatchResources). Every published device is reported Healthy: a CPU that is online is
// usable, and one that goes away is dropped from the ResourceSlice (and so from the list).
//
// Each open stream gets the complete device list at once, then again every `period` (the
// kubelet marks a device Unknown when it is not refreshed within its health check timeout) or
// as soon as DevicesChanged() is called. Stop() ends every stream promptly so that the gRPC
// server can shut down.
//
// Thread-safe.

#ifndef DRACPU_DRIVER_KUBELET_HEALTH_REPORTER_H_
#define DRACPU_DRIVER_KUBELET_HEALTH_REPORTER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "driver/kubelet/claim_preparer.h"

namespace dracpu::kubelet {

// Returns the devices the driver currently publishes. Called from gRPC threads; must be
// thread-safe. An exception it throws is logged and treated as an empty list.
using DeviceLister = std::function<std::vector<DeviceId>()>;

class HealthReporter {
 public:
  // REQUIRES: period > 0.
  HealthReporter(DeviceLister lister, std::chrono::milliseconds period,
                 int64_t health_check_timeout_seconds);

  // One stream's loop step. Blocks until the next list is due: at once on the first call
  // (*seen_generation == kNeverSent), then on DevicesChanged() or after `period`. Returns false,
  // without a list, once Stop() was called or `cancelled()` turns true (checked a few times a
  // second).
  static constexpr uint64_t kNeverSent = UINT64_MAX;
  bool NextList(uint64_t* seen_generation, const std::function<bool()>& cancelled,
                std::vector<DeviceId>* devices);

  void DevicesChanged();
  void Stop();

  int64_t health_check_timeout_seconds() const { return timeout_seconds_; }

 private:
  std::vector<DeviceId> ListDevices();

  const DeviceLister lister_;
  const std::chrono::milliseconds period_;
  const int64_t timeout_seconds_;

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_HEALTH_REPORTER_H_
