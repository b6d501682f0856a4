// The nri-plugin's metrics (served on /metrics, common/http/http_endpoint.h):
//   dracpu_nri_hook_duration_seconds{event}   time inside the plugin per NRI event (excludes
//                                             the socket round trip)
//   dracpu_nri_pinned_containers               containers pinned to claim CPUs
//   dracpu_nri_shared_containers               containers confined to the shared pool
//   dracpu_nri_shared_pool_cpus                CPUs in the shared pool
//   dracpu_nri_rejections_total{reason}        containers refused (cpu_policy.h RejectionName)
//   dracpu_nri_reconnects_total                runtime connections lost after registration
//   dracpu_nri_state_read_errors_total{kind}   unusable state files (allocation_source.h)
//   dracpu_nri_state_generation                generation of the view in use
//   dracpu_nri_update_push_failures_total      unsolicited UpdateContainers calls that failed

#ifndef DRACPU_NRI_PLUGIN_APP_PLUGIN_METRICS_H_
#define DRACPU_NRI_PLUGIN_APP_PLUGIN_METRICS_H_

#include "common/metrics.h"

namespace dracpu::nri {

struct PluginMetrics {
  // REQUIRES: registry outlives this.
  explicit PluginMetrics(metrics::Registry* registry);

  metrics::Family<metrics::Histogram>& hook_duration;
  metrics::Histogram& create_container;
  metrics::Histogram& update_container;
  metrics::Histogram& stop_container;
  metrics::Histogram& remove_container;
  metrics::Histogram& synchronize;
  metrics::Gauge& pinned_containers;
  metrics::Gauge& shared_containers;
  metrics::Gauge& shared_pool_cpus;
  metrics::Family<metrics::Counter>& rejections;
  metrics::Counter& reconnects;
  metrics::Family<metrics::Counter>& state_read_errors;
  metrics::Gauge& state_generation;
  metrics::Counter& update_push_failures;
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_APP_PLUGIN_METRICS_H_
