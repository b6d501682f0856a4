// SlicePublisher: keeps this node's ResourceSlices on the API server equal to the desired ones
// (driver/core/resource_slices.h), for as long as the driver runs.
//
// A ListWatch over the slices with spec.nodeName=<node> and spec.driver=dra.cpu keeps a view of
// what the server holds; a worker thread plans (driver/core/slice_plan.h) against that view
// whenever it changes, and performs the plan: deletes (slices of another pool, surplus or
// obsolete ones), then updates (a slice someone edited is put back; 409 waits for the watch
// to bring the newer version), then creates (a slice someone deleted is put back). What the
// server returns is folded into the view at once, so a sync triggered before the watch event
// arrives does not create a slice twice. A failed sync is retried with capped backoff even when
// no event comes.
//
// A returned slice whose spec differs from the one sent means the server dropped fields (a
// feature gate is off): logged as `server dropped fields: <slice>` and the returned spec is
// accepted as desired for that slice from then on, so the driver does not rewrite it forever.
//
// Each successful sync that changed something is logged as
// `published ResourceSlices: pool=<node> generation=<g> slices=<n> devices=<n>`;
// `on_published` runs after every successful sync (readiness, the kubelet health stream).
// Stop() stops watching and leaves the slices in place (the kubelet removes them if the driver
// stays away).

#ifndef DRACPU_DRIVER_APP_SLICE_PUBLISHER_H_
#define DRACPU_DRIVER_APP_SLICE_PUBLISHER_H_

#include <cpprest/json.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "driver/app/driver_metrics.h"
#include "driver/core/api_version.h"
#include "driver/core/slice_plan.h"
#include "driver/kube/kube_client.h"
#include "driver/kube/list_watch.h"

namespace dracpu::driver {

struct SlicePublisherOptions {
  kube::KubeClient* client = nullptr;
  std::string node_name;
  ResourceApiVersion version = ResourceApiVersion::kV1;
  std::vector<web::json::value> desired;  // BuildResourceSlices output (v1 shape)
  DriverMetrics* metrics = nullptr;       // optional
  std::function<void()> on_published;     // optional; runs on the worker thread
  std::chrono::milliseconds max_retry_delay{30000};
};

class SlicePublisher {
 public:
  // REQUIRES: client outlives this object.
  explicit SlicePublisher(SlicePublisherOptions options);
  ~SlicePublisher();  // Stop()s

  SlicePublisher(const SlicePublisher&) = delete;
  SlicePublisher& operator=(const SlicePublisher&) = delete;

  void Start();
  void Stop();  // idempotent; leaves the slices on the server

  int successful_syncs() const;

 private:
  void OnSync(const std::vector<web::json::value>& items);
  void OnEvent(const kube::WatchEvent& event);
  void Run();
  // One plan-and-apply round on a copy of the view. OK when the server now matches.
  Status SyncOnce();
  Status Apply(const SliceSyncPlan& plan);
  void Remember(const web::json::value& slice);  // folds a server answer into view_
  void AcceptServerSpec(const web::json::value& sent, const web::json::value& returned);

  SlicePublisherOptions options_;
  std::unique_ptr<kube::ListWatch> watch_;
  std::thread worker_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool listed_ = false;                           // guarded by mu_
  bool dirty_ = false;                            // guarded by mu_
  bool stop_ = false;                             // guarded by mu_
  int syncs_ = 0;                                 // guarded by mu_
  std::map<std::string, web::json::value> view_;  // name -> object, guarded by mu_
  std::vector<web::json::value> desired_;         // worker thread only
};

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_SLICE_PUBLISHER_H_
