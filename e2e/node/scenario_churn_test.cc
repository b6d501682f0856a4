// Issue #6 scenario 10 through the whole node: 200 pods with random claims created and deleted
// over time, in grouped and in individual mode. The churn itself and what it checks at every
// step are in e2e/node/churn.h (shared with bench/bench_churn.cc); the seed is printed and
// DRACPU_CHURN_SEED=<seed> replays a failure.

#include <stdlib.h>

#include <random>

#include "e2e/node/churn.h"
#include "e2e/node/scenario_support.h"

namespace dracpu::e2e {
namespace {

void Churn(const std::string& device_mode) {
  const ChurnMachine machine = ChurnMachineFor(device_mode);
  const uint64_t seed = ChurnSeed(std::random_device{}());
  WARN(device_mode << " churn on " << machine.topology << ", seed " << seed
                   << " (replay: DRACPU_CHURN_SEED=" << seed << ")");
  NodeOptions node_options;
  node_options.topology = machine.topology;
  node_options.device_mode = device_mode;
  auto node = StartNode(node_options);

  ChurnOptions options;
  options.seed = seed;
  options.group_cpus = machine.group_cpus;
  StatusOr<ChurnResult> result = RunChurn(*node, options);
  if (!result.ok()) {
    // The node's temporary root goes with it: keep both binaries' logs for the replay.
    char dir[] = "/tmp/dracpu-churn-logs-XXXXXX";
    INFO("logs kept: " << (mkdtemp(dir) != nullptr ? node->KeepLogs(dir) : "none"));
    FAIL(result.status().ToString());
  }
  WARN(device_mode << " churn: " << FormatChurn(*result));

  // Every pod went through; most ran (the node has room for max_alive typical pods), the rest
  // were refused cleanly (checked per step by the churn).
  CHECK(result->created + result->refused == options.pods);
  CHECK(result->deleted == options.pods);
  CHECK(result->created >= options.pods / 2);
  CHECK(result->claims_prepared > 0);
  CHECK(result->regrowth.size() > 0);
  // The node is back to where it started: nothing exclusive, invariants hold.
  auto pools = node->Pools();
  REQUIRE(pools.ok());
  CHECK(pools->exclusive.Empty());
  RequireInvariants(*node);
}

TEST_CASE("scenario 10: churn of 200 pods in grouped mode", "[e2e][scenario10]") {
  Churn("grouped");
}

TEST_CASE("scenario 10: churn of 200 pods in individual mode", "[e2e][scenario10]") {
  Churn("individual");
}

}  // namespace
}  // namespace dracpu::e2e
