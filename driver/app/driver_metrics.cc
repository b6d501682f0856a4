#include "driver/app/driver_metrics.h"

namespace dracpu::driver {
namespace {

// Prepare spans the API GET, two state writes with fsync and the CDI write: 0.25 ms .. ~4 s.
std::vector<double> LatencyBuckets() { return metrics::ExponentialBuckets(250e-6, 2, 15); }

const char* ResultLabel(const Status& s) { return s.ok() ? "ok" : "error"; }

}  // namespace

DriverMetrics::DriverMetrics(metrics::Registry* registry)
    : prepared_claims_(registry->AddGauge("dracpu_driver_prepared_claims",
                                          "Claims recorded in the state file.")),
      exclusive_cpus_(registry->AddGauge("dracpu_driver_exclusive_cpus",
                                         "CPUs held exclusively by prepared claims.")),
      shared_cpus_(registry->AddGauge("dracpu_driver_shared_cpus",
                                      "CPUs in the shared pool (online - reserved - exclusive).")),
      prepare_(registry->AddHistogramFamily("dracpu_driver_prepare_duration_seconds",
                                            "NodePrepareResources latency per claim.", {"result"},
                                            LatencyBuckets())),
      unprepare_(registry->AddHistogramFamily("dracpu_driver_unprepare_duration_seconds",
                                              "NodeUnprepareResources latency per claim.",
                                              {"result"}, LatencyBuckets())),
      prepare_errors_(registry->AddCounterFamily("dracpu_driver_prepare_errors_total",
                                                 "Claims whose prepare failed, by reason.",
                                                 {"reason"})),
      api_requests_(registry->AddHistogramFamily("dracpu_driver_api_request_duration_seconds",
                                                 "Kubernetes API request latency, per attempt.",
                                                 {"verb"}, LatencyBuckets())),
      slice_syncs_(registry->AddCounterFamily("dracpu_driver_slice_syncs_total",
                                              "ResourceSlice reconciliations.", {"result"})) {}

void DriverMetrics::SetPools(int prepared_claims, const CpuSet& exclusive, const CpuSet& shared) {
  prepared_claims_.Set(prepared_claims);
  exclusive_cpus_.Set(exclusive.Size());
  shared_cpus_.Set(shared.Size());
}

void DriverMetrics::ObservePrepare(double seconds, const Status& result) {
  prepare_.WithLabels({ResultLabel(result)}).Observe(seconds);
  if (!result.ok()) prepare_errors_.WithLabels({Status::CodeName(result.code())}).Increment();
}

void DriverMetrics::ObserveUnprepare(double seconds, const Status& result) {
  unprepare_.WithLabels({ResultLabel(result)}).Observe(seconds);
}

void DriverMetrics::ObserveApiRequest(const std::string& verb, double seconds) {
  api_requests_.WithLabels({verb}).Observe(seconds);
}

void DriverMetrics::CountSliceSync(bool ok) {
  slice_syncs_.WithLabels({ok ? "ok" : "error"}).Increment();
}

}  // namespace dracpu::driver
