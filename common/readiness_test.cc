#include "common/readiness.h"

#include <catch2/catch.hpp>
#include <thread>

namespace dracpu {
namespace {

TEST_CASE("readiness: ready only when every condition is met, unmet ones named in order",
          "[readiness]") {
  Readiness ready({"registered with kubelet", "ResourceSlices published"});
  Status s = ready.Check();
  CHECK(s.IsUnavailable());
  CHECK(s.message() == "waiting for: registered with kubelet, ResourceSlices published");

  ready.Set("ResourceSlices published", true);
  CHECK(ready.Check().message() == "waiting for: registered with kubelet");
  ready.Set("registered with kubelet", true);
  CHECK(ready.Check().ok());

  ready.Set("registered with kubelet", false);  // e.g. the runtime went away
  CHECK(ready.Check().message() == "waiting for: registered with kubelet");
}

TEST_CASE("readiness: no conditions means ready", "[readiness]") {
  CHECK(Readiness({}).Check().ok());
}

TEST_CASE("readiness: concurrent Set and Check", "[readiness]") {
  Readiness ready({"connected", "synchronized"});
  ready.Set("synchronized", true);
  std::thread flipper([&] {
    for (int i = 0; i < 10000; ++i) ready.Set("connected", i % 2 == 0);
    ready.Set("connected", true);
  });
  // How often Check sees "connected" unmet depends on scheduling; what it says must not.
  for (int i = 0; i < 10000; ++i) {
    Status s = ready.Check();
    if (!s.ok() && s.message() != "waiting for: connected") FAIL(s.message());
  }
  flipper.join();
  CHECK(ready.Check().ok());
}

}  // namespace
}  // namespace dracpu
