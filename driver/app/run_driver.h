// The `dracpu-driver` serving mode (the default subcommand, also `run`): the whole node driver
// wired together, from topology discovery to a clean stop on SIGTERM.
//
// Order (design.md §2-§5, issue 3):
//   1. topology from --sysfs-root, devices (DeviceCatalog) from the layout flags;
//   2. boot id from --proc-root; state file and CDI folder reconciled (startup_reconcile.h);
//   3. API server configuration (--kubeconfig, else in-cluster); a bad one ends the driver;
//   4. /healthz and /metrics on --http-port (ready once registered and published);
//   5. kubelet registration and the DRA service (driver/kubelet/kubelet_plugin.h) behind
//      ClaimPreparation;
//   6. the resource API version (auto = the newest the server serves), tried again while the
//      API server is unreachable (`API server not reachable (...); serving the kubelet
//      meanwhile`): unprepare and the prepare of claims already prepared need no API call, so
//      an outage at start must not keep terminating pods waiting. Meanwhile a new claim fails
//      with "the API server has not answered since the driver started". A server that answers
//      but serves no version this driver speaks ends the driver;
//   7. the Node's UID for the slices' ownerReference, then ResourceSlice publication and
//      reconciliation (slice_publisher.h) in the background;
//   8. until SIGTERM or SIGINT: log `registered with kubelet` / `kubelet registration failed:
//      <error>` as the kubelet answers; then stop the kubelet plugin (deregisters), the
//      publisher (slices stay) and the endpoint. During step 6 a signal is seen between two
//      discovery calls, so a stop may wait for the API client's 10 s budget.
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
