// Slice publication cost without the network: building the catalog, rendering the slices,
// serialising them for the API server, and planning a sync against an up-to-date pool, for
// 1024 and 4096 CPUs in individual mode (the largest content) and grouped mode.
// Prints median and max over repetitions; nothing is asserted (shared, noisy machines).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "common/testing/synthetic_topology.h"
#include "driver/core/api_version.h"
#include "driver/core/resource_slices.h"
#include "driver/core/slice_plan.h"

namespace dracpu {
namespace {

void Measure(const char* label, int reps, const std::function<void()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("  %-44s median %8.3f ms  max %8.3f ms  (%d runs)\n", label, ms[ms.size() / 2],
              ms.back(), reps);
}

void Run(const testing::SyntheticShape& shape, CpuDeviceMode mode) {
  Topology t = testing::SyntheticTopology(shape);
  DeviceLayout layout{mode, GroupBy::kNumaNode, {0}};
  std::printf("%s, %d CPUs, %s\n", shape.Name().c_str(), shape.total_cpus(),
              CpuDeviceModeName(mode));
  DeviceCatalog catalog = DeviceCatalog::Build(t, layout).value();
  SlicePoolParams params{"node-a", "uid", 1};
  std::vector<web::json::value> slices = BuildResourceSlices(catalog, params);
  size_t bytes = 0;
  for (const auto& s : slices) bytes += s.serialize().size();
  std::printf("  %zu devices in %zu slices, %zu bytes of JSON\n", catalog.devices().size(),
              slices.size(), bytes);

  const int reps = 20;
  Measure("catalog build", reps, [&] { DeviceCatalog::Build(t, layout).value(); });
  Measure("render slices", reps, [&] { BuildResourceSlices(catalog, params); });
  Measure("catalog + render + serialise (v1)", reps, [&] {
    DeviceCatalog c = DeviceCatalog::Build(t, layout).value();
    for (const auto& s : BuildResourceSlices(c, params)) s.serialize();
  });
  Measure("serialise as v1beta1", reps, [&] {
    for (const auto& s : slices) SliceFromV1(s, ResourceApiVersion::kV1beta1).serialize();
  });
  std::vector<web::json::value> existing;
  for (size_t i = 0; i < slices.size(); ++i) {
    web::json::value s = slices[i];
    s["metadata"]["name"] =
        web::json::value::string(s.at("metadata").at("generateName").as_string() + "abcde");
    existing.push_back(web::json::value::parse(s.serialize()));  // as the server returns it
  }
  SliceSyncInput in{slices, existing, "node-a", ResourceApiVersion::kV1, 0};
  Measure("plan sync, pool up to date", reps, [&] { PlanSliceSync(in).value(); });
  in.existing.clear();
  Measure("plan sync, first publication", reps, [&] { PlanSliceSync(in).value(); });
}

}  // namespace
}  // namespace dracpu

int main() {
  for (auto shape : {dracpu::testing::Shape1024(), dracpu::testing::Shape4096()}) {
    dracpu::Run(shape, dracpu::CpuDeviceMode::kIndividual);
    dracpu::Run(shape, dracpu::CpuDeviceMode::kGrouped);
  }
  return 0;
}
