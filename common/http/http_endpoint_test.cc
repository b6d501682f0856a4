#include "common/http/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dracpu {
namespace {

struct Response {
  int status = 0;       // 0: nothing listens; -1: the reply was not HTTP/1.1 (see raw)
  std::string headers;  // lower-cased, for case-insensitive lookups
  std::string body;
  std::string raw;
};

// One HTTP/1.1 request over a fresh loopback connection, read until the server closes it: a
// client this small shows exactly what a kubelet probe or Prometheus would receive. No Catch
// assertions inside (Catch2 v2 is not thread-safe), so threads may call it.
Response Request(int port, const std::string& method, const std::string& path) {
  Response response;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return response;
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return response;
  }
  const std::string request =
      method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  const bool sent =
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
  char buf[4096];
  for (ssize_t n; sent && (n = read(fd, buf, sizeof(buf))) > 0;) response.raw.append(buf, n);
  close(fd);
  const size_t end = response.raw.find("\r\n\r\n");
  response.status = -1;
  if (end == std::string::npos || response.raw.rfind("HTTP/1.1 ", 0) != 0) return response;
  response.status = std::stoi(response.raw.substr(9, 3));
  for (size_t i = 0; i < end; ++i) response.headers += static_cast<char>(tolower(response.raw[i]));
  response.body = response.raw.substr(end + 4);
  return response;
}

TEST_CASE("http endpoint: healthz, metrics, 404, 405 on a picked port", "[http_endpoint]") {
  metrics::Registry registry;
  registry.AddCounterFamily("dracpu_test_total", "Test counter.", {"reason"})
      .WithLabels({"a \"quoted\" reason"})
      .Increment(3);
  std::atomic<bool> ready{false};
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.readiness = [&] {
    return ready ? Status::OK() : Status::Unavailable("not registered with kubelet");
  };
  options.registry = &registry;
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  const int port = (*endpoint)->port();
  REQUIRE(port > 0);
  CHECK((*endpoint)->url() == "http://127.0.0.1:" + std::to_string(port));

  Response unready = Request(port, "GET", "/healthz");
  CHECK(unready.status == 503);
  CHECK(unready.body == "not registered with kubelet");

  ready = true;
  Response healthy = Request(port, "GET", "/healthz?verbose=1");
  CHECK(healthy.status == 200);
  CHECK(healthy.body == "ok");

  Response metrics = Request(port, "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body == registry.Render());
  CHECK(metrics.body.find("dracpu_test_total{reason=\"a \\\"quoted\\\" reason\"} 3\n") !=
        std::string::npos);
  CHECK(metrics.headers.find("content-type: text/plain; version=0.0.4; charset=utf-8") !=
        std::string::npos);

  CHECK(Request(port, "GET", "/").status == 404);
  CHECK(Request(port, "GET", "/metrics/extra").status == 404);
  Response post = Request(port, "POST", "/healthz");
  CHECK(post.status == 405);
  CHECK(post.headers.find("allow: get") != std::string::npos);

  // Stop frees the port: nothing answers, and a new endpoint can take the same port.
  (*endpoint)->Stop();
  (*endpoint)->Stop();  // idempotent
  CHECK(Request(port, "GET", "/healthz").status == 0);
  options.port = port;
  StatusOr<std::unique_ptr<HttpEndpoint>> again = HttpEndpoint::Start(options);
  REQUIRE(again.ok());
  CHECK((*again)->port() == port);
  CHECK(Request(port, "GET", "/healthz").status == 200);
}

// A listening socket that is not ours, as another process would hold it.
struct OccupiedPort {
  int fd = -1;
  int port = 0;
  OccupiedPort() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 && listen(fd, 1) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
  }
  ~OccupiedPort() { close(fd); }
};

TEST_CASE("http endpoint: a port in use and bad options are errors, not exceptions",
          "[http_endpoint]") {
  OccupiedPort occupied;
  REQUIRE(occupied.port > 0);
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  options.port = occupied.port;
  StatusOr<std::unique_ptr<HttpEndpoint>> clash = HttpEndpoint::Start(options);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.status().code() == Status::Code::kIOError);
  CHECK(clash.status().message().find(std::to_string(occupied.port)) != std::string::npos);

  // After a failed start the next one works; without readiness or registry: ready and empty.
  options.port = 0;
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  CHECK(Request((*endpoint)->port(), "GET", "/healthz").status == 200);
  Response metrics = Request((*endpoint)->port(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.empty());

  options.port = 70000;
  CHECK(HttpEndpoint::Start(options).status().IsInvalidArgument());
  options.port = 0;
  options.address = "localhost";  // names are refused: the flag takes an IP literal
  CHECK(HttpEndpoint::Start(options).status().IsInvalidArgument());
  options.address = "::1";  // cpprestsdk's listener fails on IPv6 literals: refused up front
  CHECK(HttpEndpoint::Start(options).status().IsInvalidArgument());
  CHECK(PickFreePort("not-an-ip").status().IsInvalidArgument());
  StatusOr<int> free_port = PickFreePort("127.0.0.1");
  REQUIRE(free_port.ok());
  CHECK(*free_port > 0);
}

TEST_CASE("http endpoint: a throwing readiness check answers 500 and serving goes on",
          "[http_endpoint]") {
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  options.readiness = []() -> Status { throw std::runtime_error("bug in a readiness check"); };
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  CHECK(Request((*endpoint)->port(), "GET", "/healthz").status == 500);
  CHECK(Request((*endpoint)->port(), "GET", "/metrics").status == 200);
}

TEST_CASE("http endpoint: Stop returns with an idle and a half-sent connection open",
          "[http_endpoint]") {
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  const int port = (*endpoint)->port();
  auto connect_to = [port] {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    return fd;
  };
  const int idle = connect_to();
  const int half = connect_to();
  const std::string partial = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  REQUIRE(write(half, partial.data(), partial.size()) == static_cast<ssize_t>(partial.size()));
  // Connections are accepted in order: once a later one is served, both above are the server's.
  CHECK(Request(port, "GET", "/healthz").status == 200);
  // A hang here is the failure; the bound only keeps a broken build from blocking CI forever.
  auto stopped = std::async(std::launch::async, [&] { (*endpoint)->Stop(); });
  CHECK(stopped.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  close(idle);
  close(half);
}

TEST_CASE("http endpoint: concurrent scrapes while metrics change", "[http_endpoint]") {
  metrics::Registry registry;
  metrics::Counter& counter = registry.AddCounter("scrape_test_total", "Test.");
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  options.registry = &registry;
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done) counter.Increment();
  });
  std::vector<std::future<int>> scrapes;
  for (int i = 0; i < 4; ++i) {
    scrapes.push_back(std::async(std::launch::async, [&] {
      int ok = 0;
      for (int j = 0; j < 20; ++j) {
        Response r = Request((*endpoint)->port(), "GET", "/metrics");
        ok += r.status == 200 && r.body.find("scrape_test_total ") != std::string::npos;
      }
      return ok;
    }));
  }
  for (auto& scrape : scrapes) CHECK(scrape.get() == 20);
  done = true;
  writer.join();
}

TEST_CASE("http endpoint: the cpprest pool is sized once, before first use", "[http_endpoint]") {
  CHECK(SetCpprestThreads(0).IsInvalidArgument());
  // Whether this process already started the pool depends on which tests ran before; after
  // this call it has, so the next one must refuse and the endpoint must still serve.
  (void)SetCpprestThreads(2);
  CHECK(SetCpprestThreads(2).code() == Status::Code::kFailedPrecondition);
  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  REQUIRE(endpoint.ok());
  CHECK(Request((*endpoint)->port(), "GET", "/healthz").status == 200);
}

}  // namespace
}  // namespace dracpu
