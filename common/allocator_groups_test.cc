#include "common/allocator_groups.h"

#include <catch2/catch.hpp>

namespace dracpu::alloc {
namespace {

TEST_CASE("Fits counts whole blocks and loose CPUs exactly", "[allocator]") {
  CHECK(Fits({1, 3}, 2, 7));
  CHECK(Fits({0, 3}, 2, 4));
  CHECK_FALSE(Fits({0, 3}, 2, 5));  // odd needs a loose CPU
  CHECK(Fits({2, 1}, 2, 3));
  CHECK(Fits({2, 1}, 2, 4));        // one block and two loose CPUs
  CHECK_FALSE(Fits({1, 1}, 2, 4));  // only 3 CPUs
  CHECK(Fits({0, 5}, 1, 5));
  CHECK_FALSE(Fits({0, 5}, 1, 6));
}

TEST_CASE("PickGroups prefers one group, by cost, then best fit, then id", "[allocator]") {
  std::vector<Candidate> c = {{0, {0, 8}, 2}, {1, {0, 3}, 1}, {2, {0, 4}, 1}, {3, {0, 2}, 1}};
  std::vector<Share> s = PickGroups(c, 2, 6);
  REQUIRE(s.size() == 1);
  CHECK(s[0].index == 1);  // cost 1 and 6 CPUs beats cost 1 and 8, and cost 2
  c[1].cost = 3;
  s = PickGroups(c, 2, 6);
  REQUIRE(s.size() == 1);
  CHECK(s[0].index == 2);
}

TEST_CASE("PickGroups takes the freest whole and gives the rest to the best fit", "[allocator]") {
  // order_key ranks equally free groups; affinity pulls the last group to a used package.
  std::vector<Candidate> c = {
      {0, {0, 4}, 0, 5, 0}, {1, {0, 4}, 0, 9, 1}, {2, {0, 3}, 0, 9, 1}, {3, {0, 2}, 0, 5, 0}};
  std::vector<Share> s = PickGroups(c, 1, 6);
  REQUIRE(s.size() == 2);
  CHECK(s[0].index == 1);
  CHECK(s[0].cpus == 4);
  CHECK(s[1].index == 2);  // same package as group 1, though group 3 fits tighter
  CHECK(s[1].cpus == 2);
  CHECK(CountGroups(c, 1, 13) == 4);
  CHECK(PickGroups(c, 1, 14).empty());
}

TEST_CASE("PickGroups finds the loose CPU an odd request needs", "[allocator]") {
  // The two freest groups hold 18 CPUs but only in blocks of 2; 11 needs group 2's loose CPU.
  std::vector<Candidate> c = {{0, {0, 5}}, {1, {0, 4}}, {2, {1, 0}}};
  std::vector<Share> s = PickGroups(c, 2, 11);
  REQUIRE(s.size() == 2);
  CHECK(s[0].index == 0);
  CHECK(s[0].cpus == 10);
  CHECK(s[1].index == 2);
  CHECK(s[1].cpus == 1);
  CHECK(CountGroups(c, 2, 11) == 2);
  CHECK(CountGroups(c, 2, 19) == 3);
}

}  // namespace
}  // namespace dracpu::alloc
