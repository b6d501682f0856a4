#include "driver/kubelet/health_reporter.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <thread>

namespace dracpu::kubelet {

TEST_CASE("HealthReporter: first list at once, next on change, none after Stop",
          "[kubelet][health]") {
  std::atomic<int> calls{0};
  HealthReporter reporter(
      [&] {
        ++calls;
        return std::vector<DeviceId>{{"p", "d" + std::to_string(calls.load())}};
      },
      std::chrono::hours(1), 30);
  auto never = [] { return false; };
  uint64_t seen = HealthReporter::kNeverSent;
  std::vector<DeviceId> devices;
  REQUIRE(reporter.NextList(&seen, never, &devices));
  CHECK(devices == std::vector<DeviceId>{{"p", "d1"}});

  std::thread change([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reporter.DevicesChanged();
  });
  REQUIRE(reporter.NextList(&seen, never, &devices));  // woken long before the hour is up
  change.join();
  CHECK(devices == std::vector<DeviceId>{{"p", "d2"}});

  std::thread stop([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    reporter.Stop();
  });
  CHECK_FALSE(reporter.NextList(&seen, never, &devices));
  stop.join();
  CHECK(calls == 2);
}

TEST_CASE("HealthReporter: period, cancellation and a throwing lister", "[kubelet][health]") {
  HealthReporter reporter([]() -> std::vector<DeviceId> { throw std::runtime_error("sysfs gone"); },
                          std::chrono::milliseconds(20), 30);
  uint64_t seen = HealthReporter::kNeverSent;
  std::vector<DeviceId> devices = {{"stale", "x"}};
  auto never = [] { return false; };
  REQUIRE(reporter.NextList(&seen, never, &devices));
  CHECK(devices.empty());                              // the exception became an empty list
  REQUIRE(reporter.NextList(&seen, never, &devices));  // after the 20 ms period
  CHECK_FALSE(reporter.NextList(
      &seen, [] { return true; }, &devices));
}

}  // namespace dracpu::kubelet
