#include "driver/app/device_records.h"

#include <catch2/catch.hpp>

namespace dracpu::driver {
namespace {

constexpr char kUid[] = "0f0c4b62-5d0e-4f4a-9a4a-2c7f1f3e9b10";

ClaimResult Result(std::string request, std::string pool, std::string device,
                   std::string share = "") {
  ClaimResult r;
  r.request = std::move(request);
  r.pool = std::move(pool);
  r.device = std::move(device);
  r.share_id = std::move(share);
  return r;
}

TEST_CASE("every result becomes a device carrying the claim's one CDI id") {
  std::vector<kubelet::PreparedDevice> devices = PreparedDevicesFor(
      {Result("cpus", "node-a", "cpudevnuma000", "s-1"), Result("big/fast", "node-a", "cpudev003")},
      kUid);
  REQUIRE(devices.size() == 2);
  CHECK(devices[0].request_names == std::vector<std::string>{"cpus"});
  CHECK(devices[0].pool_name == "node-a");
  CHECK(devices[0].device_name == "cpudevnuma000");
  CHECK(devices[0].share_id == std::optional<std::string>("s-1"));
  CHECK(devices[0].cdi_device_ids ==
        std::vector<std::string>{std::string("dra.k8s.io/cpu=claim-") + kUid});
  // The kubelet matches containers by the base request name.
  CHECK(devices[1].request_names == std::vector<std::string>{"big"});
  CHECK_FALSE(devices[1].share_id.has_value());
}

TEST_CASE("device records read back to the same devices - slashes in pool names included") {
  std::vector<ClaimResult> results = {Result("cpus", "node-a", "cpudevnuma001", "share-9"),
                                      Result("r/sub", "example.com/pool/x", "cpudev007")};
  std::vector<std::string> records = EncodeDeviceRecords(results);
  CHECK(records[0] == "node-a/cpudevnuma001 request=cpus share=share-9");
  CHECK(records[1] == "example.com/pool/x/cpudev007 request=r/sub");
  auto decoded = DecodeDeviceRecords(records, kUid);
  REQUIRE(decoded.ok());
  CHECK(*decoded == PreparedDevicesFor(results, kUid));
}

TEST_CASE("malformed device records are Corruption - not guessed") {
  for (const char* bad : {"", "nodevice", "/cpudev0 request=a", "pool/ request=a", "pool/dev",
                          "pool/dev request=a extra", "pool/dev share=x"}) {
    auto decoded = DecodeDeviceRecords({bad}, kUid);
    INFO(bad);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == Status::Code::kCorruption);
  }
}

}  // namespace
}  // namespace dracpu::driver
