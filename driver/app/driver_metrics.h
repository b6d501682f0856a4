// The driver's Prometheus metrics (served on /metrics), registered once at start-up.
//
//   dracpu_driver_prepared_claims            gauge   claims in the state file
//   dracpu_driver_exclusive_cpus             gauge   CPUs held by claims
//   dracpu_driver_shared_cpus                gauge   online - reserved - exclusive
//   dracpu_driver_prepare_duration_seconds   histogram, label result=ok|error
//   dracpu_driver_unprepare_duration_seconds histogram, label result=ok|error
//   dracpu_driver_prepare_errors_total       counter, label reason (the Status code name)
//   dracpu_driver_api_request_duration_seconds  histogram per HTTP attempt, label verb
//   dracpu_driver_slice_syncs_total          counter, label result=ok|error
// Label values are fixed strings of this module or Status code names, never input text.

#ifndef DRACPU_DRIVER_APP_DRIVER_METRICS_H_
#define DRACPU_DRIVER_APP_DRIVER_METRICS_H_

#include <string>

#include "common/cpuset.h"
#include "common/metrics.h"
#include "common/status.h"

namespace dracpu::driver {

class DriverMetrics {
 public:
  // REQUIRES: registry outlives this object.
  explicit DriverMetrics(metrics::Registry* registry);

  void SetPools(int prepared_claims, const CpuSet& exclusive, const CpuSet& shared);
  void ObservePrepare(double seconds, const Status& result);
  void ObserveUnprepare(double seconds, const Status& result);
  // One HTTP attempt of the API client (its on_attempt hook); thread-safe.
  void ObserveApiRequest(const std::string& verb, double seconds);
  void CountSliceSync(bool ok);

  double prepared_claims() const { return prepared_claims_.Value(); }

 private:
  metrics::Gauge& prepared_claims_;
  metrics::Gauge& exclusive_cpus_;
  metrics::Gauge& shared_cpus_;
  metrics::Family<metrics::Histogram>& prepare_;
  metrics::Family<metrics::Histogram>& unprepare_;
  metrics::Family<metrics::Counter>& prepare_errors_;
  metrics::Family<metrics::Histogram>& api_requests_;
  metrics::Family<metrics::Counter>& slice_syncs_;
};

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_DRIVER_METRICS_H_
