#include "driver/kubelet/claim_batch.h"

#include <catch2/catch.hpp>
#include <stdexcept>

namespace dracpu::kubelet {
namespace {

// Fails claims whose uid starts with "bad", throws for "throw", otherwise one device.
class ScriptedPreparer : public ClaimPreparer {
 public:
  StatusOr<PrepareResult> Prepare(const ClaimRef& claim) override {
    prepared.push_back(claim.uid);
    if (claim.uid.rfind("bad", 0) == 0)
      return Status::ResourceExhausted("no CPUs for " + claim.name);
    if (claim.uid == "throw") throw std::runtime_error("boom");
    return PrepareResult{
        {{{"req"}, "pool", "dev-" + claim.uid, {"dra.k8s.io/cpu=claim-" + claim.uid}, {}}},
        "cpus=0-3"};
  }
  Status Unprepare(const ClaimRef& claim) override {
    unprepared.push_back(claim.uid);
    if (claim.uid == "throw") throw 42;
    if (claim.uid.rfind("bad", 0) == 0) return Status::IOError("cannot remove CDI file");
    return Status::OK();  // unknown claims included
  }
  std::vector<std::string> prepared, unprepared;
};

}  // namespace

TEST_CASE("ClaimBatch: one failing claim does not fail the others", "[kubelet][batch]") {
  ScriptedPreparer preparer;
  ClaimBatch batch(&preparer);
  auto out = batch.PrepareAll(
      {{"ns", "a", "u1"}, {"ns", "b", "bad1"}, {"ns", "c", "throw"}, {"ns", "d", "u2"}}, "v1");
  REQUIRE(out.size() == 4);
  CHECK(out["u1"].ok());
  CHECK(out["u1"].devices.at(0).cdi_device_ids ==
        std::vector<std::string>{"dra.k8s.io/cpu=claim-u1"});
  CHECK(out["u1"].log_detail == "cpus=0-3");
  CHECK(out["u2"].ok());
  CHECK(out["bad1"].error == "ResourceExhausted: no CPUs for b");
  CHECK(out["throw"].error == "internal error: boom");
  CHECK(preparer.prepared == std::vector<std::string>{"u1", "bad1", "throw", "u2"});
}

TEST_CASE("ClaimBatch: malformed and repeated claims", "[kubelet][batch]") {
  ScriptedPreparer preparer;
  ClaimBatch batch(&preparer);
  auto out = batch.PrepareAll(
      {{"ns", "a", ""}, {"ns", "b", "u1"}, {"ns", "b", "u1"}, {"", "c", "u3"}}, "v1beta1");
  REQUIRE(out.size() == 3);
  CHECK(out[""].error == "claim has no uid");
  CHECK(out["u3"].error == "claim has no namespace");
  CHECK(out["u1"].ok());
  CHECK(preparer.prepared == std::vector<std::string>{"u1"});  // once, and never malformed
}

TEST_CASE("ClaimBatch: unprepare reports per claim, unknown claims succeed", "[kubelet][batch]") {
  ScriptedPreparer preparer;
  ClaimBatch batch(&preparer);
  // The claim object may be gone: only the uid is needed.
  auto out =
      batch.UnprepareAll({{"", "", "never-seen"}, {"ns", "b", "bad"}, {"ns", "c", "throw"}}, "v1");
  REQUIRE(out.size() == 3);
  CHECK(out["never-seen"].empty());
  CHECK(out["bad"] == "IOError: cannot remove CDI file");
  CHECK(out["throw"] == "internal error: unknown exception");
}
}  // namespace dracpu::kubelet
