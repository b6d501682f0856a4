// The `dracpu-driver` serving mode (the default subcommand, also `run`): the whole node driver
// wired together, from topology discovery to a clean stop on SIGTERM.
//
// Order (design.md §2-§5, issue 3):
//   1. topology from --sysfs-root, devices (DeviceCatalog) from the layout flags;
//   2. boot id from --proc-root; state file and CDI folder reconciled (startup_reconcile.h);
//   3. /healthz and /metrics on --http-port (ready once registered and published);
//   4. API client (--kubeconfig, else in-cluster), resource API version (auto = the newest the
//      server serves), the Node's UID for the slices' ownerReference;
//   5. ResourceSlice publication and reconciliation (slice_publisher.h) in the background;
//   6. kubelet registration and the DRA service (driver/kubelet/kubelet_plugin.h) behind
//      ClaimPreparation;
//   7. until SIGTERM or SIGINT: log `registered with kubelet` / `kubelet registration failed:
//      <error>` as the kubelet answers; then stop the kubelet plugin (deregisters), the
//      publisher (slices stay) and the endpoint.
// Returns the process exit code: 0 after a clean stop, 1 when start-up fails (the reason is
// logged).

#ifndef DRACPU_DRIVER_APP_RUN_DRIVER_H_
#define DRACPU_DRIVER_APP_RUN_DRIVER_H_

#include "common/config.h"

namespace dracpu::driver {

// REQUIRES: called from main() before any other thread exists (it blocks SIGTERM and SIGINT
// for the whole process so that only its wait loop receives them).
int RunDriver(const DriverConfig& config);

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_RUN_DRIVER_H_
