#include "common/cpuset.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <iterator>
#include <random>
#include <set>

namespace dracpu {
namespace {

CpuSet MustParse(const std::string& s) {
  auto r = CpuSet::Parse(s);
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("CpuSet parses and formats the kernel list format", "[cpuset]") {
  CHECK(MustParse("0-3,8,10-11").ToVector() == std::vector<int>{0, 1, 2, 3, 8, 10, 11});
  CHECK(MustParse("0-3,8,10-11").ToString() == "0-3,8,10-11");
  CHECK(MustParse("").Empty());
  CHECK(MustParse("\n").Empty());
  CHECK(MustParse("5\n").ToString() == "5");
  CHECK(MustParse("8191").Contains(8191));
  // Unsorted and overlapping input is accepted and canonicalised.
  CHECK(MustParse("10-11,0,1,2-3,3").ToString() == "0-3,10-11");
  // Pairs are written as a range, as the kernel does.
  CHECK(MustParse("4,5").ToString() == "4-5");
  CHECK(MustParse("7-7").ToString() == "7");
}

TEST_CASE("CpuSet rejects malformed lists with an error naming the input", "[cpuset]") {
  for (const char* bad : {"3-1", "a", "1,,2", "8192", "0-8192", "1-", "-1", ",1", "1,", " 1", "1 ",
                          "1\n\n", "1\t", "0x1", "1-2-3", "99999999"}) {
    auto r = CpuSet::Parse(bad);
    INFO("input: " << bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().find(std::string("\"") + bad + "\"") != std::string::npos);
  }
}

TEST_CASE("CpuSet round-trips every canonical list", "[cpuset]") {
  // Every subset of 0..11 survives ToString -> Parse unchanged.
  for (int mask = 0; mask < (1 << 12); ++mask) {
    CpuSet s;
    for (int b = 0; b < 12; ++b)
      if (mask & (1 << b)) s.Add(b);
    auto back = CpuSet::Parse(s.ToString());
    REQUIRE(back.ok());
    REQUIRE(*back == s);
  }
}

TEST_CASE("CpuSet algebra", "[cpuset]") {
  CpuSet a = MustParse("0-7");
  CpuSet b = MustParse("4-11");
  CHECK((a | b).ToString() == "0-11");
  CHECK((a & b).ToString() == "4-7");
  CHECK((a - b).ToString() == "0-3");
  CHECK((b - a).ToString() == "8-11");
  CHECK(MustParse("1-2").IsSubsetOf(a));
  CHECK_FALSE(b.IsSubsetOf(a));
  CHECK(a.Intersects(b));
  CHECK_FALSE(MustParse("0-1").Intersects(MustParse("2-3")));
  CHECK(a.Size() == 8);
  CHECK(a.First() == 0);
  CHECK(CpuSet().First() == -1);
  CHECK(CpuSet::Range(3, 5) == CpuSet({3, 4, 5}));
  CHECK(CpuSet::Range(5, 3).Empty());
  CpuSet c = a;
  c -= b;
  c |= CpuSet{100};
  CHECK(c.ToString() == "0-3,100");
  CHECK(CpuSet{0} < CpuSet{1});
  CHECK_FALSE(CpuSet{1} < CpuSet{0});
  CHECK_FALSE(a < a);
}

TEST_CASE("CpuSet iterates in ascending order", "[cpuset]") {
  std::vector<int> seen;
  for (int c : MustParse("8191,0,64,63,4000")) seen.push_back(c);
  CHECK(seen == std::vector<int>{0, 63, 64, 4000, 8191});
  int n = 0;
  for (int c : CpuSet()) n += c + 1;
  CHECK(n == 0);
}

TEST_CASE("CpuSet parses and formats the hex mask format", "[cpuset]") {
  auto m = CpuSet::ParseMask("00000000,0000000f\n");
  REQUIRE(m.ok());
  CHECK(m->ToString() == "0-3");
  auto hi = CpuSet::ParseMask("80000000,00000001");
  REQUIRE(hi.ok());
  CHECK(hi->ToString() == "0,63");
  CHECK(hi->ToMask() == "80000000,00000001");
  CHECK(CpuSet().ToMask() == "00000000");
  CHECK(CpuSet{4}.ToMask() == "00000010");
  CHECK(CpuSet{32}.ToMask() == "00000001,00000000");
  for (const char* bad : {"", "g", "0,,1", "123456789", "0x1", "1 "}) {
    INFO("input: " << bad);
    CHECK_FALSE(CpuSet::ParseMask(bad).ok());
  }
  // 257 words puts a set bit at id 8192, beyond the maximum.
  std::string too_wide = "1";
  for (int i = 0; i < 256; ++i) too_wide += ",00000000";
  CHECK_FALSE(CpuSet::ParseMask(too_wide).ok());
}

}  // namespace
}  // namespace dracpu

namespace dracpu {
namespace {

// The word-vector representation against std::set as a reference, across word boundaries.
TEST_CASE("CpuSet algebra agrees with a reference set", "[cpuset]") {
  std::mt19937 rng(7);
  auto random_set = [&](std::set<int>* ref) {
    CpuSet s;
    int n = rng() % 40;
    int span = 1 + rng() % 300;
    for (int i = 0; i < n; ++i) {
      int c = rng() % span;
      s.Add(c);
      ref->insert(c);
    }
    return s;
  };
  auto same = [](const CpuSet& s, const std::set<int>& ref) {
    return s.ToVector() == std::vector<int>(ref.begin(), ref.end()) &&
           s.Size() == static_cast<int>(ref.size()) && s.Empty() == ref.empty();
  };
  for (int iter = 0; iter < 2000; ++iter) {
    std::set<int> ra, rb, ru, ri, rd;
    CpuSet a = random_set(&ra), b = random_set(&rb);
    std::set_union(ra.begin(), ra.end(), rb.begin(), rb.end(), std::inserter(ru, ru.end()));
    std::set_intersection(ra.begin(), ra.end(), rb.begin(), rb.end(), std::inserter(ri, ri.end()));
    std::set_difference(ra.begin(), ra.end(), rb.begin(), rb.end(), std::inserter(rd, rd.end()));
    REQUIRE(same(a | b, ru));
    REQUIRE(same(a & b, ri));
    REQUIRE(same(a - b, rd));
    REQUIRE(a.Intersects(b) == !ri.empty());
    REQUIRE(a.IsSubsetOf(b) == std::includes(rb.begin(), rb.end(), ra.begin(), ra.end()));
    REQUIRE((a == b) == (ra == rb));
    REQUIRE((a < b) != (b < a || a == b));
    REQUIRE(*CpuSet::Parse(a.ToString()) == a);
    REQUIRE(*CpuSet::ParseMask(a.ToMask()) == a);
    if (!ra.empty()) {
      int victim = *ra.begin();
      a.Remove(victim);
      ra.erase(victim);
      REQUIRE(same(a, ra));
    }
  }
}

}  // namespace
}  // namespace dracpu

namespace dracpu {
namespace {

TEST_CASE("CpuSet::AddRange sets exactly the range across word boundaries", "[cpuset]") {
  for (int first = 0; first < 200; first += 7) {
    for (int last = first - 1; last < 260; last += 13) {
      CpuSet bulk{300};
      bulk.AddRange(first, last);
      CpuSet slow{300};
      for (int c = first; c <= last; ++c) slow.Add(c);
      REQUIRE(bulk == slow);
    }
  }
  CpuSet clipped;
  clipped.AddRange(-5, 2);
  clipped.AddRange(8190, 9000);
  CHECK(clipped.ToString() == "0-2,8190-8191");
}

}  // namespace
}  // namespace dracpu
