// The state file as the policy sees it: phases, parse errors, and the last good view kept
// through a missing, corrupt or newer-version file. Files are written as the driver writes them.

#include "nri-plugin/app/allocation_source.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>

#include "common/state_codec.h"
#include "common/testing/temp_dir.h"
#include "nri-plugin/app/testing/app_fixtures.h"

namespace dracpu::nri {
namespace {

using testing::TestClaim;
using testing::WriteState;

CpuSet Cpus(const std::string& list) { return CpuSet::Parse(list).value(); }

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = readdir(d)) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

struct Source {
  explicit Source(const std::string& dir)
      : source(dir, [this](const Status& e) { errors.push_back(StateErrorKind(e)); }) {}
  std::vector<std::string> errors;
  AllocationSource source;
};

TEST_CASE("ToAllocationView keeps Prepared and Preparing claims with their CPUs and pods") {
  AllocationState state;
  state.set_generation(7);
  state.set_online_cpus("0-15");
  state.set_reserved_cpus("0-1");
  auto add = [&](const std::string& uid, const std::string& cpus, ClaimAllocation::Phase phase) {
    ClaimAllocation& c = (*state.mutable_claims())[uid];
    c.set_uid(uid);
    c.set_namespace_("ns");
    c.set_name("n-" + uid);
    c.set_cpus(cpus);
    c.add_pod_uids("pod-" + uid);
    c.set_phase(phase);
  };
  add("a", "4-5", ClaimAllocation::PREPARED);
  add("b", "6", ClaimAllocation::PREPARING);
  add("c", "7", ClaimAllocation::PHASE_UNSPECIFIED);

  StatusOr<AllocationView> view = ToAllocationView(state);
  REQUIRE(view.ok());
  CHECK(view->generation == 7);
  CHECK(view->online == Cpus("0-15"));
  CHECK(view->reserved == Cpus("0-1"));
  REQUIRE(view->claims.size() == 2);
  CHECK(view->claims.at("a").cpus == Cpus("4-5"));
  CHECK(view->claims.at("a").pod_uids == std::set<std::string>{"pod-a"});
  CHECK(view->claims.at("a").namespace_ == "ns");
  CHECK(view->claims.at("a").name == "n-a");
  CHECK(view->claims.at("b").cpus == Cpus("6"));
  CHECK(view->claims.count("c") == 0);

  SECTION("a Preparing claim's CPUs are already out of the shared pool") {
    CpuPolicy policy;
    policy.SetAllocations(*view);
    CHECK(policy.SharedPool() == Cpus("2-3,7-15"));  // 7: the claim left out
  }
}

TEST_CASE("ToAllocationView refuses a state whose cpulists do not parse") {
  AllocationState state;
  state.set_online_cpus("0-7");
  SECTION("online") {
    state.set_online_cpus("0-x");
    CHECK(ToAllocationView(state).status().message().find("onlineCpus") != std::string::npos);
  }
  SECTION("reserved") {
    state.set_reserved_cpus("3-1");
    CHECK(ToAllocationView(state).status().IsInvalidArgument());
  }
  SECTION("a claim") {
    ClaimAllocation& c = (*state.mutable_claims())["u1"];
    c.set_cpus("");
    c.set_phase(ClaimAllocation::PREPARED);
    CHECK(ToAllocationView(state).status().message().find("claim u1") != std::string::npos);
  }
}

TEST_CASE("a missing state file is no claims and no known CPUs, and creates nothing") {
  dracpu::testing::TempDir dir;
  const std::string state_dir = dir.Sub("state");  // does not exist
  Source s(state_dir);
  std::optional<AllocationView> view = s.source.Refresh();
  REQUIRE(view.has_value());
  CHECK(view->claims.empty());
  CHECK(view->online.Empty());
  CHECK_FALSE(s.source.Refresh().has_value());  // nothing changed
  CHECK(s.errors.empty());
  struct stat st;
  CHECK(stat(state_dir.c_str(), &st) != 0);  // the reader never creates the folder
}

TEST_CASE("a replaced state file gives a new view, an unchanged one costs no re-read") {
  dracpu::testing::TempDir dir;
  REQUIRE(WriteState(dir.path(), "0-7", "0", {{"c1", "2-3", {"p1"}}}).ok());
  const std::vector<std::string> files = Listing(dir.path());
  Source s(dir.path());
  std::optional<AllocationView> first = s.source.Refresh();
  REQUIRE(first.has_value());
  CHECK(first->claims.at("c1").cpus == Cpus("2-3"));
  CHECK_FALSE(s.source.Refresh().has_value());
  CHECK(Listing(dir.path()) == files);  // reading added no file (lock, temp) to the folder

  REQUIRE(WriteState(dir.path(), "0-7", "0", {}).ok());
  std::optional<AllocationView> second = s.source.Refresh();
  REQUIRE(second.has_value());
  CHECK(second->generation == first->generation + 1);
  CHECK(second->claims.empty());
  CHECK(s.source.generation() == second->generation);
}

TEST_CASE("corrupt, unknown-version and unparsable files keep the last good view") {
  dracpu::testing::TempDir dir;
  REQUIRE(WriteState(dir.path(), "0-7", "0", {{"c1", "2-3", {"p1"}}}).ok());
  Source s(dir.path());
  REQUIRE(s.source.Refresh().has_value());
  const uint64_t good = s.source.generation();
  const std::string data = dir.Sub("allocations.json");

  SECTION("corrupt bytes") {
    REQUIRE(
        dracpu::testing::WriteFileForTest(data, "{\"apiVersion\": \"dra.cpu/v1\", garbage").ok());
    CHECK_FALSE(s.source.Refresh().has_value());
    CHECK_FALSE(s.source.Refresh().has_value());
    CHECK(s.errors == std::vector<std::string>{"corrupt"});  // counted once per bad file
  }
  SECTION("a newer apiVersion") {
    AllocationState v2;
    v2.set_api_version("dra.cpu/v2");
    v2.set_generation(good + 5);
    v2.set_online_cpus("0-7");
    StatusOr<std::string> bytes = EncodeState(v2);
    REQUIRE(bytes.ok());
    REQUIRE(dracpu::testing::WriteFileForTest(data, *bytes).ok());
    CHECK_FALSE(s.source.Refresh().has_value());
    CHECK(s.errors == std::vector<std::string>{"unsupported_version"});
  }
  SECTION("a valid file whose claim cpulist does not parse") {
    AllocationState bad;
    bad.set_api_version(kStateApiVersion);
    bad.set_generation(good + 1);
    bad.set_online_cpus("0-7");
    ClaimAllocation& c = (*bad.mutable_claims())["c2"];
    c.set_cpus("seven");
    c.set_phase(ClaimAllocation::PREPARED);
    StatusOr<std::string> bytes = EncodeState(bad);
    REQUIRE(bytes.ok());
    REQUIRE(dracpu::testing::WriteFileForTest(data, *bytes).ok());
    CHECK_FALSE(s.source.Refresh().has_value());
    CHECK(s.errors == std::vector<std::string>{"corrupt"});
  }
  CHECK(s.source.generation() == good);

  // A good file is picked up again (the driver rebuilds after setting a damaged file aside; a
  // newer version's file it leaves alone, so remove it here).
  REQUIRE(std::remove(data.c_str()) == 0);
  REQUIRE(WriteState(dir.path(), "0-7", "0", {}).ok());
  std::optional<AllocationView> again = s.source.Refresh();
  REQUIRE(again.has_value());
  CHECK(again->claims.empty());
}

}  // namespace
}  // namespace dracpu::nri
