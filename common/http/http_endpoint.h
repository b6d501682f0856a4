// HttpEndpoint: /healthz and /metrics over HTTP/1.1, served by cpprestsdk's http_listener.
//
// Both binaries start one at start-up (--http-port) and stop it on shutdown:
//   metrics::Registry registry;
//   HttpEndpointOptions options;
//   options.port = flags.http_port;                       // 0 picks a free port
//   options.readiness = [&] { return health.Check(); };   // Status::OK() means ready
//   options.registry = &registry;
//   StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(std::move(options));
//   if (!endpoint.ok()) { LOG(ERROR) << endpoint.status(); return 1; }
//   LOG(INFO) << "serving /healthz and /metrics on " << (*endpoint)->url();
//   ...
//   (*endpoint)->Stop();   // or let the destructor do it
//
// What each path answers is decided in common/http_routes.h (200/503/404/405).
//
// Port 0: http_listener cannot report the port it bound, so Start first binds a probe socket to
// port 0 on the address, reads the port the kernel chose, closes the probe and opens the listener
// on that port. Another process may take the port in that gap; the listener's open then fails and
// Start retries with a fresh port (kPortAttempts times) before giving up. A fixed port is tried
// once: the operator asked for that port and a conflict is theirs to see.
//
// One endpoint per port per process: cpprestsdk keeps one acceptor per host:port for the whole
// process, and a second listener's failed open on a port this process already serves tears the
// first one down (seen with 2.10.18). Other processes holding the port are detected cleanly.
//
// Threads: requests are served on cpprestsdk's shared thread pool (the same one its HTTP client
// uses). The readiness callback runs there, once per probe: it must be thread-safe and quick.
//
// Errors: cpprestsdk reports by throwing; every exception is caught here. Start returns a Status;
// a failure while serving a request answers 500 and is logged; Stop never throws.
// REQUIRES: options.registry (when set) outlives the endpoint.

#ifndef DRACPU_COMMON_HTTP_HTTP_ENDPOINT_H_
#define DRACPU_COMMON_HTTP_HTTP_ENDPOINT_H_

#include <memory>
#include <string>

#include "common/http_routes.h"
#include "common/metrics.h"
#include "common/status.h"

namespace dracpu {

struct HttpEndpointOptions {
  std::string address = "0.0.0.0";  // an IPv4 literal; cpprestsdk's listener cannot bind IPv6 ones
  int port = 0;                     // 0 picks a free port; see port()
  ReadinessCheck readiness;         // empty: always ready
  const metrics::Registry* registry = nullptr;  // empty /metrics when null
};

class HttpEndpoint {
 public:
  static constexpr int kPortAttempts = 5;

  // Binds and starts serving. InvalidArgument for a bad address or port, IOError when the
  // listener cannot bind (port in use, address not on this host).
  static StatusOr<std::unique_ptr<HttpEndpoint>> Start(HttpEndpointOptions options);

  ~HttpEndpoint();  // Stop()
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The port actually bound (the chosen one when options.port was 0).
  int port() const { return port_; }
  // "http://<address>:<port>".
  const std::string& url() const { return url_; }

  // Stops accepting, closes open connections and waits for requests in flight. Idempotent;
  // the port is free again when it returns (Start on the same port succeeds).
  void Stop();

 private:
  struct Listener;  // keeps cpprestsdk's headers out of this one
  HttpEndpoint(std::unique_ptr<Listener> listener, int port, std::string url);

  std::unique_ptr<Listener> listener_;
  const int port_;
  const std::string url_;
};

// Sizes cpprestsdk's process-wide thread pool, which serves the listener and any http_client
// (its default is 40 threads, about 2.5 MB of RSS once started). One or two threads are plenty
// for probes and scrapes: the nri-plugin, which uses cpprestsdk for nothing else, should call
// SetCpprestThreads(2) first thing in main. FailedPrecondition when the pool already exists
// (anything cpprestsdk ran before, or a second call); the pool then keeps its size.
Status SetCpprestThreads(size_t threads);

// Binds a TCP socket to port 0 on `address`, returns the port the kernel chose, and closes the
// socket. The port is only likely to stay free (see above); callers must handle a later conflict.
StatusOr<int> PickFreePort(const std::string& address);

}  // namespace dracpu

#endif  // DRACPU_COMMON_HTTP_HTTP_ENDPOINT_H_
