#include "nri-plugin/policy/cpu_policy.h"

#include <catch2/catch.hpp>

namespace dracpu::nri {
namespace {

CpuSet Cpus(const std::string& list) { return *CpuSet::Parse(list); }

ClaimGrant Grant(const std::string& uid, const std::string& cpus, const std::string& pod) {
  return ClaimGrant{uid, "ns", "claim-" + uid, Cpus(cpus), {pod}};
}

// 0-15 online, 0 reserved.
AllocationView View(std::vector<ClaimGrant> grants, uint64_t generation = 1) {
  AllocationView v;
  v.generation = generation;
  v.online = Cpus("0-15");
  v.reserved = Cpus("0");
  for (auto& g : grants) v.claims[g.uid] = g;
  return v;
}

ContainerInfo Container(const std::string& id, const std::string& pod, const std::string& name,
                        std::vector<std::string> env = {}, const std::string& cpuset = "") {
  return ContainerInfo{id, name, pod, "pod-" + pod, "ns", std::move(env), cpuset};
}

TEST_CASE("Containers without a claim get the shared pool", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  CHECK(p.SharedPool() == Cpus("1-3,8-15"));
  auto r = p.CreateContainer(Container("x", "podB", "web", {"PATH=/bin"}));
  CHECK(r.rejection == Rejection::kNone);
  CHECK_FALSE(r.placement.exclusive());
  CHECK(r.placement.cpus == Cpus("1-3,8-15"));
  CHECK(p.shared_containers() == 1);
}

TEST_CASE("A claim container is pinned and overlapping shared containers shrink", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({}));
  p.CreateContainer(Container("shared1", "podB", "web"));
  CHECK(p.PlacementOf("shared1")->cpus == Cpus("1-15"));
  // The claim is prepared: the next state generation already shrinks the shared container.
  auto updates = p.SetAllocations(View({Grant("c1", "4-7", "podA")}, 2));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0] == CpusetUpdate{"shared1", Cpus("1-3,8-15")});
  auto r = p.CreateContainer(Container("pinned", "podA", "app", {"DRA_CPUSET_c1=4-7"}));
  REQUIRE(r.rejection == Rejection::kNone);
  CHECK(r.placement.cpus == Cpus("4-7"));
  CHECK(r.placement.claims == std::vector<std::string>{"c1"});
  CHECK(r.updates.empty());  // already moved by SetAllocations
  CHECK(p.pinned_containers() == 1);
}

TEST_CASE("Creation shrinks shared containers still on the claim's CPUs", "[policy]") {
  // A shared container tracked before the policy learnt of the claim (e.g. synchronized with
  // a wide cpuset) is moved in the same CreateContainer response.
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  p.Synchronize({Container("old", "podB", "web", {}, "1-3,8-15")});
  // Simulate a container that reported a stale wide cpuset after the sync.
  auto sync = p.Synchronize({Container("old", "podB", "web", {}, "0-15")});
  REQUIRE(sync.size() == 1);
  CHECK(sync[0].cpus == Cpus("1-3,8-15"));
  auto r = p.CreateContainer(Container("pinned", "podA", "app", {"DRA_CPUSET_c1=4-7"}));
  CHECK(r.updates.empty());
}

TEST_CASE("Unprepared claims give their CPUs back to shared containers", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  p.CreateContainer(Container("s", "podB", "web"));
  p.CreateContainer(Container("e", "podA", "app", {"DRA_CPUSET_c1=4-7"}));
  p.RemoveContainer("e");
  auto updates = p.SetAllocations(View({}, 2));
  REQUIRE(updates.size() == 1);
  CHECK(updates[0] == CpusetUpdate{"s", Cpus("1-15")});
  // Nothing changes on a repeat of the same view.
  CHECK(p.SetAllocations(View({}, 3)).empty());
}

TEST_CASE("Forged, mismatched and foreign claims are refused with the reason", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA"), Grant("c2", "8-9", "podC")}));
  auto check = [&](ContainerInfo c, Rejection want) {
    auto r = p.CreateContainer(c);
    CHECK(r.rejection == want);
    CHECK(r.error.IsPermissionDenied());
    CHECK_FALSE(r.error.message().empty());
    CHECK(p.PlacementOf(c.id) == nullptr);
  };
  check(Container("a", "podA", "app", {"DRA_CPUSET_c1=4-x"}), Rejection::kMalformed);
  check(Container("b", "podA", "app", {"DRA_CPUSET_nope=4-7"}), Rejection::kUnknownClaim);
  check(Container("c", "podA", "app", {"DRA_CPUSET_c1=4-8"}), Rejection::kCpusetMismatch);
  // podB writes podA's claim into its own spec.
  check(Container("d", "podB", "app", {"DRA_CPUSET_c1=4-7"}), Rejection::kNotReservedForPod);
  // One forged entry spoils a container that also has a genuine one.
  check(Container("e", "podA", "app", {"DRA_CPUSET_c1=4-7", "DRA_CPUSET_c2=8-9"}),
        Rejection::kNotReservedForPod);
}

TEST_CASE("A claim binds to one container, its restart keeps the CPUs", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  REQUIRE(p.CreateContainer(Container("1", "podA", "app", {"DRA_CPUSET_c1=4-7"})).rejection ==
          Rejection::kNone);
  auto second = p.CreateContainer(Container("2", "podA", "sidecar", {"DRA_CPUSET_c1=4-7"}));
  CHECK(second.rejection == Rejection::kClaimInUse);
  p.RemoveContainer("1");
  // The same container restarted (new runtime id) keeps the claim.
  CHECK(p.CreateContainer(Container("3", "podA", "app", {"DRA_CPUSET_c1=4-7"})).rejection ==
        Rejection::kNone);
  // Once the claim is unprepared and prepared again, the binding is new.
  p.SetAllocations(View({}, 2));
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}, 3));
  CHECK(p.CreateContainer(Container("4", "podA", "sidecar", {"DRA_CPUSET_c1=4-7"})).rejection ==
        Rejection::kNone);
}

TEST_CASE("Two claims in one container give their union", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-5", "podA"), Grant("c2", "10-11", "podA")}));
  auto r = p.CreateContainer(
      Container("x", "podA", "app", {"DRA_CPUSET_c2=10-11", "DRA_CPUSET_c1=4-5"}));
  REQUIRE(r.rejection == Rejection::kNone);
  CHECK(r.placement.cpus == Cpus("4-5,10-11"));
}

TEST_CASE("Overlapping claims in the state file are never shared", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(
      View({Grant("c1", "4-7", "podA"), Grant("c2", "7-8", "podB"), Grant("c3", "10-11", "podC")}));
  CreateResult r = p.CreateContainer(Container("x", "podA", "app", {"DRA_CPUSET_c1=4-7"}));
  CHECK(r.rejection == Rejection::kClaimOverlap);
  CHECK(r.error.message() == "claims c1 and c2 both hold CPU 7 in the state file");
  CHECK(p.CreateContainer(Container("y", "podB", "app", {"DRA_CPUSET_c2=7-8"})).rejection ==
        Rejection::kClaimOverlap);
  // Only the overlapping claims are refused; a disjoint one still pins.
  CHECK(p.CreateContainer(Container("z", "podC", "app", {"DRA_CPUSET_c3=10-11"})).rejection ==
        Rejection::kNone);
  // Once the state file is repaired the claim is usable again.
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}, 2));
  CHECK(p.CreateContainer(Container("x", "podA", "app", {"DRA_CPUSET_c1=4-7"})).rejection ==
        Rejection::kNone);
}

TEST_CASE("Synchronize restores every container's cpuset after a restart", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  auto updates = p.Synchronize({
      Container("ok", "podA", "app", {"DRA_CPUSET_c1=4-7"}, "4-7"),
      Container("drifted", "podA", "side", {}, "0-15"),  // shared, on exclusive CPUs
      Container("wrongpin", "podB", "web", {}, "4-5"),   // pinned to someone's CPUs
      Container("forged", "podB", "evil", {"DRA_CPUSET_c1=4-7"}, "4-7"),
      Container("fine", "podC", "x", {}, "1-3,8-15"),
  });
  std::map<std::string, CpuSet> got;
  for (auto& u : updates) got[u.container_id] = u.cpus;
  CHECK(got.size() == 3);
  CHECK(got.at("drifted") == Cpus("1-3,8-15"));
  CHECK(got.at("wrongpin") == Cpus("1-3,8-15"));
  CHECK(got.at("forged") == Cpus("1-3,8-15"));
  CHECK(p.pinned_containers() == 1);
  CHECK(p.shared_containers() == 4);
  CHECK(p.PlacementOf("ok")->cpus == Cpus("4-7"));
}

TEST_CASE("Synchronize picks one owner when two containers hold one claim", "[policy]") {
  CpuPolicy p;
  p.SetAllocations(View({Grant("c1", "4-7", "podA")}));
  auto updates = p.Synchronize({Container("z", "podA", "b", {"DRA_CPUSET_c1=4-7"}, "4-7"),
                                Container("y", "podA", "a", {"DRA_CPUSET_c1=4-7"}, "4-7")});
  // Ordered by (pod, container name): "a" keeps the claim, "b" goes to the shared pool.
  REQUIRE(updates.size() == 1);
  CHECK(updates[0].container_id == "z");
  CHECK(p.PlacementOf("y")->exclusive());
}

TEST_CASE("The shared pool never becomes empty", "[policy]") {
  CpuPolicy p;
  AllocationView v = View({Grant("c1", "1-15", "podA")});
  p.SetAllocations(v);
  CHECK(p.SharedPool() == Cpus("0"));  // reserved CPUs rather than an exclusive one
  v.reserved = CpuSet();
  v.online = Cpus("1-15");
  p.SetAllocations(v);
  CHECK(p.SharedPool() == Cpus("1-15"));
}

}  // namespace
}  // namespace dracpu::nri
