#include "driver/core/claim_cpus.h"

#include <catch2/catch.hpp>

#include "driver/core/test_topologies.h"

namespace dracpu {
namespace {

// Stand-in for the topology-aware allocator: the lowest `count` free CPUs.
StatusOr<CpuSet> Lowest(const CpuSet& group, const CpuSet& free, int count) {
  CpuSet out;
  for (int cpu : free) {
    if (out.Size() == count) break;
    out.Add(cpu);
  }
  return out;
}

AllocatedClaim Claim(std::vector<ClaimResult> results) {
  AllocatedClaim c;
  c.uid = "uid-1";
  c.ns = "default";
  c.name = "claim";
  c.results = std::move(results);
  return c;
}

ClaimResult Device(const std::string& name, std::optional<int64_t> cpus = std::nullopt) {
  ClaimResult r;
  r.request = "cpus";
  r.pool = "node-a";
  r.device = name;
  r.cpus = cpus;
  return r;
}

struct Fixture {
  Topology topology = testing::EightCpuTwoNode();
  DeviceCatalog individual =
      DeviceCatalog::Build(topology, {CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {0}}).value();
  DeviceCatalog grouped =
      DeviceCatalog::Build(topology, {CpuDeviceMode::kGrouped, GroupBy::kNumaNode, {0}}).value();
  ClaimCpuContext Context(const DeviceCatalog& c, CpuSet held = {}) {
    return {&c, "node-a", held, Lowest};
  }
};

TEST_CASE("individual devices map to their CPUs") {
  Fixture f;
  // Reserved CPU 0: order is 1 5 | 2 6 | 3 7 | 4 (cores by their lowest allocatable CPU).
  auto cpus =
      ResolveClaimCpus(Claim({Device("cpudev000"), Device("cpudev001")}), f.Context(f.individual));
  CHECK(cpus.value() == CpuSet{1, 5});
  CHECK(ResolveClaimCpus(Claim({}), f.Context(f.individual)).value().Empty());
}

TEST_CASE("individual: a CPU another claim holds is refused") {
  Fixture f;
  auto r = ResolveClaimCpus(Claim({Device("cpudev000")}), f.Context(f.individual, {1}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
  CHECK(r.status().message().find("already exclusive to another claim") != std::string::npos);
}

TEST_CASE("individual: unknown devices, other pools and repeats are refused") {
  Fixture f;
  auto unknown = ResolveClaimCpus(Claim({Device("cpudev099")}), f.Context(f.individual));
  CHECK(unknown.status().code() == Status::Code::kFailedPrecondition);
  CHECK(unknown.status().message().find("not published by this node") != std::string::npos);
  ClaimResult elsewhere = Device("cpudev001");
  elsewhere.pool = "node-b";
  CHECK(ResolveClaimCpus(Claim({elsewhere}), f.Context(f.individual)).status().code() ==
        Status::Code::kFailedPrecondition);
  CHECK(ResolveClaimCpus(Claim({Device("cpudev001"), Device("cpudev001")}), f.Context(f.individual))
            .status()
            .IsInvalidArgument());
  // A grouped name in individual mode (the layout changed since allocation).
  CHECK_FALSE(ResolveClaimCpus(Claim({Device("cpudevnuma000", 2)}), f.Context(f.individual)).ok());
}

TEST_CASE("the shared pool is never emptied") {
  Fixture f;
  // 7 allocatable CPUs; other claims hold 1 5 2 6 3 7; taking CPU 4 would leave none.
  auto r =
      ResolveClaimCpus(Claim({Device("cpudev006")}), f.Context(f.individual, {1, 2, 3, 5, 6, 7}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
  CHECK(r.status().message().find("would leave no CPU") != std::string::npos);
  // With one CPU left over it works.
  CHECK(ResolveClaimCpus(Claim({Device("cpudev006")}), f.Context(f.individual, {1, 2, 3, 5, 6}))
            .value() == CpuSet{4});
}

TEST_CASE("grouped: the count is placed inside the group around other claims") {
  Fixture f;
  // numa000 = {1, 4, 5}; CPU 1 is held elsewhere.
  auto r = ResolveClaimCpus(Claim({Device("cpudevnuma000", 2)}), f.Context(f.grouped, {1}));
  CHECK(r.value() == CpuSet{4, 5});
  // Two shares of one group in one claim do not overlap.
  auto two = ResolveClaimCpus(Claim({Device("cpudevnuma001", 2), Device("cpudevnuma001", 2)}),
                              f.Context(f.grouped));
  CHECK(two.value() == CpuSet{2, 3, 6, 7});
}

TEST_CASE("grouped: exhausted groups, missing counts and bad allocators") {
  Fixture f;
  auto full = ResolveClaimCpus(Claim({Device("cpudevnuma000", 3)}), f.Context(f.grouped, {1}));
  CHECK(full.status().IsResourceExhausted());
  CHECK(full.status().message().find("has 2 free CPUs") != std::string::npos);
  // Without consumedCapacity the device was allocated whole.
  CHECK(ResolveClaimCpus(Claim({Device("cpudevnuma000")}), f.Context(f.grouped)).value() ==
        CpuSet{1, 4, 5});
  CHECK(ResolveClaimCpus(Claim({Device("cpudevnuma000")}), f.Context(f.grouped, {4}))
            .status()
            .IsResourceExhausted());
  CHECK(ResolveClaimCpus(Claim({Device("cpudevnuma000", 0)}), f.Context(f.grouped))
            .status()
            .IsInvalidArgument());
  ClaimCpuContext liar = f.Context(f.grouped, {1});
  liar.allocate = [](const CpuSet& group, const CpuSet& free, int count) -> StatusOr<CpuSet> {
    return group;  // ignores `free`: would hand out CPU 1
  };
  CHECK(ResolveClaimCpus(Claim({Device("cpudevnuma000", 2)}), liar).status().code() ==
        Status::Code::kInternal);
  ClaimCpuContext failing = f.Context(f.grouped);
  failing.allocate = [](const CpuSet&, const CpuSet&, int) -> StatusOr<CpuSet> {
    return Status::ResourceExhausted("no aligned cores");
  };
  auto r = ResolveClaimCpus(Claim({Device("cpudevnuma000", 1)}), failing);
  CHECK(r.status().IsResourceExhausted());
  CHECK(r.status().message().find("no aligned cores") != std::string::npos);
}

TEST_CASE("grouped: a claim for the whole node leaves the shared pool empty and is refused") {
  Fixture f;
  auto r = ResolveClaimCpus(Claim({Device("cpudevnuma000", 3), Device("cpudevnuma001", 4)}),
                            f.Context(f.grouped));
  CHECK(r.status().code() == Status::Code::kFailedPrecondition);
}

}  // namespace
}  // namespace dracpu
