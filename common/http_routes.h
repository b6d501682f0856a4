// HTTP routes of the observability endpoint, as pure logic: method + path in, reply out.
// The cpprestsdk adapter (common/http/http_endpoint.h) only moves bytes; every decision an
// operator or a probe sees is made here and unit-tested with plain values.
//
//   GET /healthz  -> 200 "ok" when `readiness` returns OK (or is empty), else 503 with the
//                    Status message as the body (what `kubectl describe` shows for the probe).
//   GET /metrics  -> 200, the registry in Prometheus text format 0.0.4 (empty without registry).
//   other path    -> 404.   other method on a known path -> 405 with "Allow: GET".
// The path is matched exactly (no trailing slash, no prefix); the adapter strips the query.
// REQUIRES: `readiness` is thread-safe and quick: it runs on a listener thread for every probe.

#ifndef DRACPU_COMMON_HTTP_ROUTES_H_
#define DRACPU_COMMON_HTTP_ROUTES_H_

#include <functional>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "common/status.h"

namespace dracpu {

using ReadinessCheck = std::function<Status()>;

struct HttpReply {
  int status = 200;
  std::string content_type;
  std::string body;
  std::string allow;  // the Allow header, set on 405 only
};

HttpReply RouteObservabilityRequest(std::string_view method, std::string_view path,
                                    const ReadinessCheck& readiness,
                                    const metrics::Registry* registry);

}  // namespace dracpu

#endif  // DRACPU_COMMON_HTTP_ROUTES_H_
