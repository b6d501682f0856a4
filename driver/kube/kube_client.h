// KubeClient: the driver's access to the Kubernetes API server (cpprestsdk underneath).
//
// Objects are plain JSON (web::json::value) as the API server sends them; the code that builds
// slices or reads claims owns their shape. Contracts of every call:
//  - A deadline: `timeout` (0 = Options::timeout) bounds the whole call including retries;
//    past it the call returns DeadlineExceeded (or the last retryable error, see below).
//  - 429, 5xx and connection errors are retried with capped exponential backoff and jitter
//    (Retry-After honoured); when the next retry would pass the deadline the call returns
//    Unavailable naming the last HTTP status and the number of attempts.
//  - 401 re-reads the token file once and retries.
//  - Status codes: 404 NotFound, 409 Conflict -> Aborted (re-read and retry: RetryOnConflict),
//    409 AlreadyExists -> AlreadyExists, 410 -> FailedPrecondition ("Gone"), 400/422 ->
//    InvalidArgument, 401/403 -> PermissionDenied, others Internal. The message carries verb,
//    path, HTTP code, reason and the server's message; every failure is logged the same way.
//  - Nothing throws. Thread-safe: calls may run concurrently from several threads.

#ifndef DRACPU_DRIVER_KUBE_KUBE_CLIENT_H_
#define DRACPU_DRIVER_KUBE_KUBE_CLIENT_H_

#include <cpprest/json.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "driver/kube/api_paths.h"
#include "driver/kube/backoff.h"
#include "driver/kube/cluster_config.h"
#include "driver/kube/http_transport.h"

namespace dracpu::kube {

using Json = web::json::value;

// Which ResourceSlices to list or watch. Empty fields are not filtered on.
struct SliceFilter {
  std::string driver;     // spec.driver
  std::string node_name;  // spec.nodeName
  std::string ToFieldSelector() const;
};

class KubeClient {
 public:
  struct Options {
    ResourceApiVersion api_version = ResourceApiVersion::kV1;
    std::chrono::milliseconds timeout{10000};
    BackoffPolicy backoff;
    std::string user_agent = "dracpu-driver/0.1";
    int list_page_size = 500;  // `limit` of each list page
    // Called after every HTTP attempt (code 0 = no answer: connection error or deadline), e.g.
    // to feed an API latency histogram. Must be thread-safe and must not block.
    std::function<void(const std::string& verb, int code, std::chrono::microseconds latency)>
        on_attempt;
  };

  static StatusOr<std::unique_ptr<KubeClient>> Create(const ClusterConfig& config, Options options);
  ~KubeClient();

  const ApiPaths& paths() const { return paths_; }
  const Options& options() const { return options_; }
  HttpTransport& transport() { return *transport_; }

  // Generic verbs on a path from paths(). `query` is "k=v&..." already escaped (or "").
  StatusOr<Json> Get(const std::string& path, const std::string& query = "",
                     std::chrono::milliseconds timeout = {});
  // Follows `continue` tokens and returns one list object with all items.
  StatusOr<Json> List(const std::string& collection, const std::string& field_selector,
                      std::chrono::milliseconds timeout = {});
  StatusOr<Json> Create(const std::string& collection, const Json& object,
                        std::chrono::milliseconds timeout = {});
  // PUT of a full object; send the metadata.resourceVersion you read (409 if stale).
  StatusOr<Json> Replace(const std::string& path, const Json& object,
                         std::chrono::milliseconds timeout = {});
  // DELETE with optional uid / resourceVersion preconditions. 404 counts as success.
  Status Delete(const std::string& path, const std::string& uid = "",
                const std::string& resource_version = "", std::chrono::milliseconds timeout = {});

  // Typed conveniences (names are validated: they may come from the network).
  StatusOr<Json> GetNode(const std::string& name, std::chrono::milliseconds timeout = {});
  StatusOr<Json> GetResourceClaim(const std::string& ns, const std::string& name,
                                  std::chrono::milliseconds timeout = {});
  StatusOr<Json> GetDeviceClass(const std::string& name, std::chrono::milliseconds timeout = {});
  StatusOr<Json> GetResourceSlice(const std::string& name, std::chrono::milliseconds timeout = {});
  StatusOr<Json> ListResourceSlices(const SliceFilter& filter,
                                    std::chrono::milliseconds timeout = {});
  // REQUIRES: metadata.name or metadata.generateName set.
  StatusOr<Json> CreateResourceSlice(const Json& slice, std::chrono::milliseconds timeout = {});
  // REQUIRES: metadata.name and metadata.resourceVersion set.
  StatusOr<Json> UpdateResourceSlice(const Json& slice, std::chrono::milliseconds timeout = {});
  Status DeleteResourceSlice(const std::string& name, const std::string& uid = "",
                             const std::string& resource_version = "",
                             std::chrono::milliseconds timeout = {});

  // The versions of resource.k8s.io the server offers (GET /apis/resource.k8s.io).
  StatusOr<std::vector<std::string>> ServedResourceVersions(std::chrono::milliseconds timeout = {});

  // One HTTP exchange with the full retry policy. `body` null = none.
  StatusOr<Json> Call(const std::string& verb, const std::string& path, const std::string& query,
                      const Json* body, std::chrono::milliseconds timeout);

 private:
  KubeClient(std::unique_ptr<HttpTransport> transport, Options options);

  std::unique_ptr<HttpTransport> transport_;
  Options options_;
  ApiPaths paths_;
};

// Read-modify-write helper: runs `attempt` (which must re-read the object each time) until it
// returns something other than Aborted (409 Conflict), at most `max_attempts` times, with a
// short jittered pause between attempts. Returns the last status.
Status RetryOnConflict(const std::function<Status()>& attempt, int max_attempts = 5,
                       const BackoffPolicy& policy = {std::chrono::milliseconds(10),
                                                      std::chrono::milliseconds(500), 2.0, 0.5});

// Maps an HTTP error answer to a Status (exposed for tests and the watch code).
Status StatusFromHttp(const std::string& verb, const std::string& path, int code,
                      const std::string& body);

// Safe accessors for objects from the network: "" / 0 when absent or of another type.
std::string JsonString(const Json& object, std::initializer_list<const char*> path);

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_KUBE_CLIENT_H_
