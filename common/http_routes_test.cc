#include "common/http_routes.h"

#include <catch2/catch.hpp>

namespace dracpu {
namespace {

TEST_CASE("http routes: /healthz follows the readiness check", "[http_routes]") {
  HttpReply ready = RouteObservabilityRequest(
      "GET", "/healthz", [] { return Status::OK(); }, nullptr);
  CHECK(ready.status == 200);
  CHECK(ready.body == "ok");

  HttpReply unready = RouteObservabilityRequest(
      "GET", "/healthz", [] { return Status::Unavailable("not registered with kubelet"); },
      nullptr);
  CHECK(unready.status == 503);
  CHECK(unready.body == "not registered with kubelet");

  HttpReply bare = RouteObservabilityRequest(
      "GET", "/healthz", [] { return Status::Unavailable(""); }, nullptr);
  CHECK(bare.status == 503);
  CHECK(bare.body == "Unavailable: ");

  CHECK(RouteObservabilityRequest("GET", "/healthz", nullptr, nullptr).status == 200);
}

TEST_CASE("http routes: /metrics renders the registry as text 0.0.4", "[http_routes]") {
  metrics::Registry registry;
  registry.AddCounter("x_total", "X.").Increment(4);
  HttpReply reply = RouteObservabilityRequest("GET", "/metrics", nullptr, &registry);
  CHECK(reply.status == 200);
  CHECK(reply.content_type == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(reply.body == registry.Render());
  CHECK(reply.body.find("x_total 4\n") != std::string::npos);
  CHECK(RouteObservabilityRequest("GET", "/metrics", nullptr, nullptr).body.empty());
}

TEST_CASE("http routes: unknown paths 404, other methods 405", "[http_routes]") {
  const ReadinessCheck never_called = [] {
    FAIL("readiness must not run for this request");
    return Status::OK();
  };
  for (const char* path : {"/", "/healthz/", "/metricsx", "/healthz/extra", ""}) {
    CHECK(RouteObservabilityRequest("GET", path, never_called, nullptr).status == 404);
  }
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "get"}) {
    HttpReply reply = RouteObservabilityRequest(method, "/healthz", never_called, nullptr);
    CHECK(reply.status == 405);
    CHECK(reply.allow == "GET");
  }
  CHECK(RouteObservabilityRequest("POST", "/nope", never_called, nullptr).status == 404);
}

}  // namespace
}  // namespace dracpu
