#include "driver/app/startup_reconcile.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "common/testing/temp_dir.h"
#include "driver/core/cdi.h"

namespace dracpu::driver {
namespace {

using StateClaim = ::dracpu::state::v1::ClaimAllocation;

constexpr char kA[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kB[] = "bbbbbbbb-0000-4000-8000-000000000002";
constexpr char kC[] = "cccccccc-0000-4000-8000-000000000003";

NodeFacts Facts(const std::string& boot = "boot-2") {
  return {"node-a", boot, CpuSet::Range(0, 7), CpuSet{0}, CpuSet::Range(1, 7)};
}

void AddClaim(AllocationState* state, const std::string& uid, const std::string& cpus,
              StateClaim::Phase phase) {
  StateClaim c;
  c.set_uid(uid);
  c.set_cpus(cpus);
  c.set_phase(phase);
  c.add_devices("node-a/cpudevnuma000 request=cpus");
  (*state->mutable_claims())[uid] = c;
}

TEST_CASE("claims of another boot are dropped and their CDI files become orphans") {
  AllocationState state;
  state.set_boot_id("boot-1");
  AddClaim(&state, kA, "1-2", StateClaim::PREPARED);
  StateRepair r = RepairState(&state, {{kA, CpuSet{1, 2}}}, Facts());
  CHECK(r.dropped_other_boot == std::vector<std::string>{kA});
  CHECK(state.claims_size() == 0);
  CHECK(state.boot_id() == "boot-2");
  CHECK(r.remove_specs == std::vector<std::string>{kA});
  CHECK(state.allocatable_cpus() == "1-7");
  CHECK(state.reserved_cpus() == "0");
  CHECK(state.node_name() == "node-a");
}

TEST_CASE("Preparing claims: promoted when the CDI file is complete - else dropped") {
  AllocationState state;
  state.set_boot_id("boot-2");
  AddClaim(&state, kA, "1-2", StateClaim::PREPARING);  // file written, last state write lost
  AddClaim(&state, kB, "3", StateClaim::PREPARING);    // crashed before the file
  AddClaim(&state, kC, "4", StateClaim::PREPARED);     // file missing: rewrite
  StateRepair r = RepairState(&state, {{kA, CpuSet{1, 2}}}, Facts());
  CHECK(r.dropped_other_boot.empty());
  CHECK(r.promoted == std::vector<std::string>{kA});
  CHECK(r.dropped_preparing == std::vector<std::string>{kB});
  CHECK(state.claims().at(kA).phase() == StateClaim::PREPARED);
  CHECK(state.claims().count(kB) == 0);
  CHECK(r.write_specs == std::map<std::string, CpuSet>{{kC, CpuSet{4}}});
  CHECK(r.remove_specs.empty());
}

TEST_CASE("a CDI file that disagrees with a Prepared claim is rewritten from the state") {
  AllocationState state;
  AddClaim(&state, kA, "1-2", StateClaim::PREPARED);
  StateRepair r = RepairState(&state, {{kA, CpuSet{5}}, {kB, CpuSet{6}}}, Facts());
  CHECK(r.write_specs == std::map<std::string, CpuSet>{{kA, CpuSet{1, 2}}});
  CHECK(r.remove_specs == std::vector<std::string>{kB});
}

TEST_CASE("rebuilding from CDI files keeps every non-overlapping spec as a Prepared claim") {
  AllocationState state;
  RebuildFromSpecs(&state, {{kA, CpuSet{1, 2}}, {kB, CpuSet{2, 3}}, {kC, CpuSet{4}}});
  CHECK(state.claims_size() == 2);
  CHECK(state.claims().at(kA).cpus() == "1-2");
  CHECK(state.claims().at(kC).phase() == StateClaim::PREPARED);
  CHECK(state.claims().count(kB) == 0);
}

struct Dirs {
  testing::TempDir dir;
  std::string cdi = dir.path() + "/cdi";
  StateStore store{dir.path() + "/state"};
};

TEST_CASE("start-up reconciles state and CDI folder on disk") {
  Dirs d;
  REQUIRE(d.store
              .Update([](AllocationState* s) {
                s->set_boot_id("boot-2");
                AddClaim(s, kA, "1-2", StateClaim::PREPARED);
                return Status::OK();
              })
              .ok());
  REQUIRE(cdi::WriteSpec(d.cdi, kB, CpuSet{3}).ok());  // orphan
  std::ofstream(d.cdi + "/.dra.k8s.io-cpu_claim-x.json.tmp") << "{";
  auto summary = ReconcileAtStartup(&d.store, d.cdi, Facts());
  REQUIRE(summary.ok());
  CHECK(summary->claims == 1);
  CHECK(summary->stale_temp_files == 1);
  CHECK(cdi::ListClaimUids(d.cdi).value() == std::vector<std::string>{kA});
  CHECK(cdi::ReadSpec(d.cdi, kA).value() == CpuSet{1, 2});
  AllocationState state = d.store.Read().value();
  CHECK(state.boot_id() == "boot-2");
  CHECK(state.online_cpus() == "0-7");
}

TEST_CASE("a corrupt state file is kept aside and the claims are rebuilt from CDI files") {
  Dirs d;
  REQUIRE(d.store.Update([](AllocationState* s) { return Status::OK(); }).ok());
  std::ofstream(d.store.data_path()) << "{\"apiVersion\": \"dra.cpu/v1\", torn";
  REQUIRE(cdi::WriteSpec(d.cdi, kA, CpuSet{1, 2}).ok());
  REQUIRE(cdi::WriteSpec(d.cdi, kB, CpuSet{5}).ok());
  auto summary = ReconcileAtStartup(&d.store, d.cdi, Facts());
  REQUIRE(summary.ok());
  CHECK(summary->corrupt_kept_as.find("allocations.json.corrupt-") != std::string::npos);
  std::ifstream aside(summary->corrupt_kept_as);
  CHECK(aside.good());
  AllocationState state = d.store.Read().value();
  CHECK(state.claims_size() == 2);
  CHECK(state.claims().at(kA).cpus() == "1-2");
  CHECK(state.claims().at(kB).cpus() == "5");
  CHECK(state.boot_id() == "boot-2");
  CHECK(cdi::ListClaimUids(d.cdi).value().size() == 2);
}

TEST_CASE("overlapping claims are found, naming both claims and the CPU") {
  AllocationState state;
  AddClaim(&state, kA, "1-3", StateClaim::PREPARED);
  AddClaim(&state, kB, "5", StateClaim::PREPARING);
  CHECK(CheckClaimsDisjoint(state).ok());
  AddClaim(&state, kC, "3-4", StateClaim::PREPARED);
  Status overlap = CheckClaimsDisjoint(state);
  CHECK(overlap.IsCorruption());
  CHECK(overlap.message() == "claims " + std::string(kA) + " and " + kC + " both hold CPU 3");
  (*state.mutable_claims())[kC].set_cpus("x");  // RepairState's business, not an overlap
  CHECK(CheckClaimsDisjoint(state).ok());
}

TEST_CASE("a state file with overlapping claims is kept aside and rebuilt from CDI files") {
  testing::TempDir dir;
  const std::string cdi = dir.path() + "/cdi";
  StateStore::Options options;
  options.validate = CheckClaimsDisjoint;
  StateStore store(dir.path() + "/state", options);
  // Written by a store without the check (a hand edit or a bug elsewhere): the checked one
  // refuses to write such a state itself.
  REQUIRE(StateStore(dir.path() + "/state")
              .Update([](AllocationState* s) {
                s->set_boot_id("boot-2");
                AddClaim(s, kA, "1-2", StateClaim::PREPARED);
                AddClaim(s, kB, "2-3", StateClaim::PREPARED);  // a checksum cannot catch this
                return Status::OK();
              })
              .ok());
  REQUIRE(cdi::WriteSpec(cdi, kA, CpuSet{1, 2}).ok());
  auto summary = ReconcileAtStartup(&store, cdi, Facts());
  REQUIRE(summary.ok());
  CHECK(summary->corrupt_kept_as.find("allocations.json.corrupt-") != std::string::npos);
  AllocationState state = store.Read().value();
  CHECK(state.claims_size() == 1);
  CHECK(state.claims().at(kA).cpus() == "1-2");
  CHECK(cdi::ListClaimUids(cdi).value() == std::vector<std::string>{kA});
}

}  // namespace
}  // namespace dracpu::driver
