// ApiServerStandin: an HTTP(S) server on 127.0.0.1 that answers the Kubernetes API paths the
// driver uses, backed by an ObjectStore, with switches for fault injection, and the scheduler.
//
// Served (for resource.k8s.io versions v1, v1beta2, v1beta1, stored without conversion):
//   GET  /apis/resource.k8s.io                                  APIGroup (served versions)
//   */apis/resource.k8s.io/V/resourceslices[/NAME]              list/watch/get/create/put/delete
//   */apis/resource.k8s.io/V/deviceclasses[/NAME]
//   */apis/resource.k8s.io/V/resourceclaims                     list all namespaces
//   */apis/resource.k8s.io/V/namespaces/NS/resourceclaims[/NAME[/status]]
//   */api/v1/nodes[/NAME], /api/v1/pods, /api/v1/namespaces/NS/pods[/NAME]
// Lists honour fieldSelector; watches (watch=1) stream JSON lines (chunked) from
// resourceVersion, with BOOKMARKs when allowWatchBookmarks=true, ending after timeoutSeconds;
// a too-old resourceVersion gets an ERROR event with code 410. PUT with a stale
// resourceVersion gets 409 Conflict; errors are Status objects.
// Control (for the CLI and out-of-process tests): POST /standin/faults (JSON body with the
// Faults fields in lowerCamelCase), POST /standin/allocate?namespace=&name=&pod=&podUID=[&node=],
// POST /standin/compact, POST /standin/drop-watches.

#ifndef DRACPU_E2E_APISERVER_APISERVER_STANDIN_H_
#define DRACPU_E2E_APISERVER_APISERVER_STANDIN_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "e2e/apiserver/object_store.h"

namespace dracpu::standin {

struct StandinOptions {
  std::string tls_cert_file;  // both set = serve HTTPS
  std::string tls_key_file;
  std::string tls_client_ca_file;  // set: clients must present a certificate signed by it
  std::chrono::milliseconds bookmark_interval{1000};
  std::vector<std::string> served_versions{"v1", "v1beta2", "v1beta1"};
  // A watch from a compacted resourceVersion: false = 200 then an ERROR event with code 410
  // (what kube-apiserver does), true = an HTTP 410 answer (what some proxies and older
  // servers do). Clients must handle both.
  bool gone_as_http_status = false;
  // Non-empty: API requests must carry "Authorization: Bearer <token>", else 401.
  std::string bearer_token;
};

struct Faults {
  int fail_next = 0;                     // answer the next N API requests with 500
  bool fail_always = false;              // answer every API request with 500
  int fail_code = 500;                   // the status injected failures carry (500, 429, 503)
  int retry_after_seconds = 0;           // > 0: add a Retry-After header to them
  std::chrono::milliseconds latency{0};  // delay before answering
  std::string path_filter;               // only requests whose path contains this ("" = all)
};

class ApiServerStandin {
 public:
  static StatusOr<std::unique_ptr<ApiServerStandin>> Start(StandinOptions options);
  ~ApiServerStandin();  // Stop()s

  void Stop();
  int port() const;
  std::string url() const;  // "http(s)://127.0.0.1:PORT"

  ObjectStore& store();
  void SetFaults(const Faults& faults);
  void DropWatches();     // ends every open watch stream now
  void CompactHistory();  // later watches from older versions get 410

  // Plays the scheduler for claim ns/name: allocates from the stored slices and device
  // classes, writes status.allocation and adds the pod to status.reservedFor.
  StatusOr<web::json::value> AllocateClaim(const std::string& ns, const std::string& name,
                                           const std::string& pod_name, const std::string& pod_uid,
                                           const std::string& node = "");

  // "METHOD /path?query" of every API request received, oldest first.
  std::vector<std::string> RequestLog() const;

 private:
  struct Impl;
  explicit ApiServerStandin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_APISERVER_STANDIN_H_
