#include "nri-plugin/app/plugin_metrics.h"

namespace dracpu::nri {

PluginMetrics::PluginMetrics(metrics::Registry* r)
    : hook_duration(r->AddHistogramFamily("dracpu_nri_hook_duration_seconds",
                                          "Time spent inside the plugin per NRI event.", {"event"},
                                          metrics::ExponentialBuckets(10e-6, 2, 16))),
      create_container(hook_duration.WithLabels({"CreateContainer"})),
      update_container(hook_duration.WithLabels({"UpdateContainer"})),
      stop_container(hook_duration.WithLabels({"StopContainer"})),
      remove_container(hook_duration.WithLabels({"RemoveContainer"})),
      synchronize(hook_duration.WithLabels({"Synchronize"})),
      pinned_containers(r->AddGauge("dracpu_nri_pinned_containers",
                                    "Containers pinned to the CPUs of their claims.")),
      shared_containers(
          r->AddGauge("dracpu_nri_shared_containers", "Containers confined to the shared pool.")),
      shared_pool_cpus(r->AddGauge("dracpu_nri_shared_pool_cpus", "CPUs in the shared pool.")),
      rejections(r->AddCounterFamily("dracpu_nri_rejections_total",
                                     "Containers whose creation the plugin refused.", {"reason"})),
      reconnects(r->AddCounter("dracpu_nri_reconnects_total",
                               "Runtime connections lost after registration.")),
      state_read_errors(r->AddCounterFamily("dracpu_nri_state_read_errors_total",
                                            "State files the plugin could not use.", {"kind"})),
      state_generation(r->AddGauge("dracpu_nri_state_generation",
                                   "Generation of the state file the plugin decides with.")),
      update_push_failures(r->AddCounter("dracpu_nri_update_push_failures_total",
                                         "Unsolicited UpdateContainers calls that failed.")) {}

}  // namespace dracpu::nri
