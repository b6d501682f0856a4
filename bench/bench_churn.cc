// Issue #6 scenario 10 as a benchmark: the churn of e2e/node/churn.h (200 pods with random
// claims, created and deleted over time) on a whole node with the real dracpu-driver and
// dracpu-nri, in grouped and in individual mode (on ChurnMachineFor's machines). Prints how long
// the shared pool took to grow back after each unprepare (from DeletePod returning until every
// shared container runs on the grown pool: median, p99, max) and the pods per second, once with the
// invariants checked after every step (as the test does) and once checked only at the end (the
// node's own pace). Seed 1 unless DRACPU_CHURN_SEED says otherwise, so runs compare.

#include <glog/logging.h>

#include <cstdio>
#include <string>

#include "e2e/node/churn.h"

namespace {

using dracpu::e2e::ChurnOptions;

int Churn(const std::string& mode, bool check_every_step) {
  const dracpu::e2e::ChurnMachine machine = dracpu::e2e::ChurnMachineFor(mode);
  dracpu::e2e::NodeOptions node_options;
  node_options.topology = machine.topology;
  node_options.device_mode = mode;
  node_options.nri_verbosity = 0;
  auto node = dracpu::e2e::WholeNode::Start(node_options);
  if (!node.ok()) {
    std::fprintf(stderr, "%s node: %s\n", mode.c_str(), node.status().ToString().c_str());
    return 1;
  }
  ChurnOptions options;
  options.seed = dracpu::e2e::ChurnSeed(1);
  options.group_cpus = machine.group_cpus;
  options.check_every_step = check_every_step;
  auto result = dracpu::e2e::RunChurn(**node, options);
  if (!result.ok()) {
    std::fprintf(stderr, "%s churn: %s\n", mode.c_str(), result.status().ToString().c_str());
    return 1;
  }
  std::printf("%-10s %-22s seed %llu: %s\n", mode.c_str(),
              check_every_step ? "invariants every step" : "invariants at the end",
              static_cast<unsigned long long>(options.seed),
              dracpu::e2e::FormatChurn(*result).c_str());
  return 0;
}

}  // namespace

int main() {
  FLAGS_minloglevel = 2;  // the rig logs every refusal; keep that out of the figures
  int failed = 0;
  for (const char* mode : {"grouped", "individual"}) {
    failed += Churn(mode, true);
    failed += Churn(mode, false);
  }
  return failed == 0 ? 0 : 1;
}
