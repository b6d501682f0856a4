// ProbeServer: /healthz and /metrics over plain HTTP/1.1 on one thread, without cpprestsdk.
//
// Why not common/http/http_endpoint.h: in dracpu-nri, which has no other use for cpprestsdk,
// loading it and its listener cost about 3.7 MB of RSS (12.5 MB idle with it, 8.8 MB without,
// when measured), against a target of 8 MiB for the whole plugin (now ~6.5 MiB idle connected,
// docs/how-it-works.md). What each path answers is still decided by
// common/http_routes.h, so both binaries answer probes and scrapes identically.
//
// Scope: kubelet probes and Prometheus scrapes, a few requests a minute. One request per
// connection (answers carry "Connection: close"), connections served one at a time; a client
// gets kClientDeadline for its whole exchange, then is cut, so a stalled client delays others
// by at most that. Requests over kMaxRequestBytes get 431, unparsable ones 400. Bodies sent with
// a request are ignored (GET has none).
//
// REQUIRES: options.registry (when set) outlives the server; readiness is thread-safe.

#ifndef DRACPU_NRI_PLUGIN_APP_PROBE_SERVER_H_
#define DRACPU_NRI_PLUGIN_APP_PROBE_SERVER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "common/http_routes.h"
#include "common/metrics.h"
#include "common/status.h"

namespace dracpu::nri {

struct ProbeServerOptions {
  std::string address = "0.0.0.0";  // an IPv4 literal
  int port = 0;                     // 0 picks a free port; see port()
  ReadinessCheck readiness;         // empty: always ready
  const metrics::Registry* registry = nullptr;
};

class ProbeServer {
 public:
  static constexpr std::chrono::milliseconds kClientDeadline{2000};
  static constexpr size_t kMaxRequestBytes = 8192;

  // Binds and starts serving. InvalidArgument for a bad address or port, IOError when the port
  // cannot be bound.
  static StatusOr<std::unique_ptr<ProbeServer>> Start(ProbeServerOptions options);
  ~ProbeServer();  // Stop()
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  int port() const { return port_; }
  const std::string& url() const { return url_; }
  // Stops accepting and joins the thread (after the exchange in progress, if any). Idempotent.
  void Stop();

 private:
  ProbeServer(ProbeServerOptions options, int listen_fd, int wake_fd, int port);
  void Run();
  void Serve(int fd);

  const ProbeServerOptions options_;
  const int listen_fd_;
  const int wake_fd_;  // eventfd for Stop
  const int port_;
  const std::string url_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_APP_PROBE_SERVER_H_
