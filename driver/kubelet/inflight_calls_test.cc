#include "driver/kubelet/inflight_calls.h"

#include <catch2/catch.hpp>
#include <memory>
#include <thread>

namespace dracpu::kubelet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

TEST_CASE("InflightCalls: idle at once, busy until the last handler leaves", "[kubelet]") {
  InflightCalls calls;
  CHECK(calls.WaitIdle(Clock::now()));
  auto first = std::make_unique<InflightCalls::Scope>(&calls);
  auto second = std::make_unique<InflightCalls::Scope>(&calls);
  CHECK(calls.running() == 2);
  CHECK_FALSE(calls.WaitIdle(Clock::now() + milliseconds(20)));
  first.reset();
  CHECK_FALSE(calls.WaitIdle(Clock::now() + milliseconds(20)));
  std::thread leaver([&] {
    std::this_thread::sleep_for(milliseconds(50));
    second.reset();
  });
  CHECK(calls.WaitIdle(Clock::now() + std::chrono::seconds(10)));  // woken, not timed out
  leaver.join();
  CHECK(calls.running() == 0);
}

}  // namespace
}  // namespace dracpu::kubelet
