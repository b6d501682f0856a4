// ProbeServer over real sockets: the routes' answers, refusals of bad and oversized requests,
// a stalled client, port 0 and a port conflict.

#include "nri-plugin/app/probe_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "nri-plugin/app/testing/app_fixtures.h"

namespace dracpu::nri {
namespace {

using namespace std::chrono_literals;
using testing::ConnectLoopback;
using testing::HttpExchange;

std::string Get(int port, const std::string& path) {
  return HttpExchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

struct Served {
  Served() {
    registry.AddCounter("dracpu_test_total", "A counter.").Increment(3);
    ProbeServerOptions o;
    o.address = "127.0.0.1";
    o.registry = &registry;
    o.readiness = [this] { return ready ? Status::OK() : Status::Unavailable("waiting for: x"); };
    auto s = ProbeServer::Start(std::move(o));
    REQUIRE(s.ok());
    server = std::move(*s);
  }
  metrics::Registry registry;
  std::atomic<bool> ready{false};
  std::unique_ptr<ProbeServer> server;
};

TEST_CASE("the probe server answers what the routes decide") {
  Served s;
  const int port = s.server->port();
  REQUIRE(port > 0);
  CHECK(s.server->url() == "http://127.0.0.1:" + std::to_string(port));

  std::string r = Get(port, "/healthz");
  CHECK(r.rfind("HTTP/1.1 503 Service Unavailable\r\n", 0) == 0);
  CHECK(r.find("waiting for: x") != std::string::npos);
  s.ready = true;
  r = Get(port, "/healthz?verbose=1");
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("Connection: close\r\n") != std::string::npos);

  r = Get(port, "/metrics");
  CHECK(r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(r.find("\r\n\r\n") != std::string::npos);
  const std::string body = r.substr(r.find("\r\n\r\n") + 4);
  CHECK(body.find("dracpu_test_total 3") != std::string::npos);
  CHECK(r.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);

  CHECK(Get(port, "/nope").rfind("HTTP/1.1 404 ", 0) == 0);
  r = HttpExchange(port, "POST /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(r.rfind("HTTP/1.1 405 ", 0) == 0);
  CHECK(r.find("Allow: GET\r\n") != std::string::npos);
}

TEST_CASE("the probe server refuses bad and oversized requests and keeps serving") {
  Served s;
  const int port = s.server->port();
  CHECK(HttpExchange(port, "hello\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(HttpExchange(port, "GET /healthz SPDY/3\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  const std::string huge = "GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  CHECK(HttpExchange(port, huge).rfind("HTTP/1.1 431 ", 0) == 0);
  // A client that closes at once, and one that never finishes its request.
  close(ConnectLoopback(port));
  int stalled = ConnectLoopback(port);
  (void)!send(stalled, "GET /hea", 8, MSG_NOSIGNAL);
  const auto start = std::chrono::steady_clock::now();
  s.ready = true;
  CHECK(Get(port, "/healthz").rfind("HTTP/1.1 200 ", 0) == 0);
  // Served after the stalled client's deadline at the latest.
  CHECK(std::chrono::steady_clock::now() - start < ProbeServer::kClientDeadline + 3s);
  close(stalled);
}

TEST_CASE("the probe server reports a taken port and a bad address, and stops promptly") {
  Served s;
  ProbeServerOptions o;
  o.address = "127.0.0.1";
  o.port = s.server->port();
  CHECK(ProbeServer::Start(o).status().code() == Status::Code::kIOError);
  o.address = "localhost";
  CHECK(ProbeServer::Start(o).status().IsInvalidArgument());
  o.address = "127.0.0.1";
  o.port = 70000;
  CHECK(ProbeServer::Start(o).status().IsInvalidArgument());

  int idle = ConnectLoopback(s.server->port());  // connected, says nothing
  const auto start = std::chrono::steady_clock::now();
  s.server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < ProbeServer::kClientDeadline + 3s);
  close(idle);
  const int port = s.server->port();
  s.server.reset();
  CHECK(ConnectLoopback(port) < 0);
}

}  // namespace
}  // namespace dracpu::nri
