#include "common/testing/topology_source.h"

#include <catch2/catch.hpp>

#include "common/sysfs_topology.h"

namespace dracpu::testing {
namespace {

const char kTopologies[] = DRACPU_SHARED_DIR "/topologies";

TEST_CASE("shape names: the two big sizes and any regular shape", "[topology_source]") {
  REQUIRE(ParseShapeName("1024")->total_cpus() == 1024);
  REQUIRE(ParseShapeName("4096")->total_cpus() == 4096);
  auto shape = ParseShapeName("2s2n1l4c2t");
  REQUIRE(shape.ok());
  CHECK(shape->sockets == 2);
  CHECK(shape->numa_per_socket == 2);
  CHECK(shape->cores_per_l3 == 4);
  CHECK(shape->total_cpus() == 32);
}

TEST_CASE("shape names: malformed or absurd shapes are refused", "[topology_source]") {
  for (const char* bad : {"", "12", "2s2n1l4c", "2s2n1l4c2t ", "0s1n1l1c1t", "2s2n1l4c2tx",
                          "-1s1n1l1c1t", "64s64n64l64c64t", "2147483647s2n1l1c1t"}) {
    INFO(bad);
    CHECK(ParseShapeName(bad).status().code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("a generated topology is discovered as its shape", "[topology_source]") {
  auto tree = OpenTopology(kTopologies, "generated:2s2n1l4c2t");
  REQUIRE(tree.ok());
  auto topology = DiscoverTopology(tree->sys_root);
  REQUIRE(topology.ok());
  CHECK(topology->online().Size() == 32);
  CHECK(OpenTopology(kTopologies, "generated:banana").status().code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("host and fixture topologies", "[topology_source]") {
  auto host = OpenTopology(kTopologies, "host");
  REQUIRE(host.ok());
  CHECK(host->sys_root == "/sys");
  CHECK(host->dir == nullptr);
  auto fixture = OpenTopology(kTopologies, "16em64t-4s2c2t");
  REQUIRE(fixture.ok());
  CHECK(DiscoverTopology(fixture->sys_root)->online().Size() == 16);
  CHECK(!OpenTopology(kTopologies, "no-such-machine").ok());
}

}  // namespace
}  // namespace dracpu::testing
