// The only file that talks to cpprestsdk's HTTP client: one attempt of one request, with a hard
// deadline, TLS set up from a ClusterConfig, and the bearer token from a TokenSource.
// cpprestsdk reports failures by throwing; every exception is caught here and becomes a Status
// (Unavailable for connection/TLS errors, DeadlineExceeded when the deadline passed).
// Retries, status-code mapping and JSON live in KubeClient, not here.

#ifndef DRACPU_DRIVER_KUBE_HTTP_TRANSPORT_H_
#define DRACPU_DRIVER_KUBE_HTTP_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "driver/kube/cluster_config.h"
#include "driver/kube/token_source.h"

namespace dracpu::kube {

using Clock = std::chrono::steady_clock;

struct HttpResponse {
  int code = 0;
  std::string body;
  std::chrono::seconds retry_after{0};  // from a Retry-After header, 0 when absent
};

// A response body read line by line as it arrives (watch streams). Not thread-safe except
// Cancel(), which may be called from any thread to unblock a pending ReadLine().
class LineStream {
 public:
  virtual ~LineStream() = default;
  virtual int code() const = 0;
  // The next line without its newline; nullopt at the end of the stream; an error when the
  // connection broke or was cancelled.
  virtual StatusOr<std::optional<std::string>> ReadLine() = 0;
  // The remaining body (for non-200 answers).
  virtual std::string ReadRest() = 0;
  virtual void Cancel() = 0;
};

class HttpTransport {
 public:
  // Validates the TLS material (CA, client cert/key) up front so a bad file fails here, once.
  static StatusOr<std::unique_ptr<HttpTransport>> Create(const ClusterConfig& config,
                                                         std::string user_agent);
  ~HttpTransport();

  // One request. `path_and_query` is already percent-encoded. `content_type` empty = no body.
  StatusOr<HttpResponse> Send(const std::string& method, const std::string& path_and_query,
                              const std::string& body, const std::string& content_type,
                              Clock::time_point deadline);

  // A streaming GET: returns once the status line and headers arrived (by `header_deadline`);
  // reads on the stream fail after `idle_timeout` without data.
  StatusOr<std::unique_ptr<LineStream>> OpenStream(const std::string& path_and_query,
                                                   Clock::time_point header_deadline,
                                                   std::chrono::seconds idle_timeout);

  TokenSource& tokens();

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_HTTP_TRANSPORT_H_
