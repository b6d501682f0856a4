#include "common/http/http_endpoint.h"

#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <pplx/threadpool.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

namespace dracpu {
namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::experimental::listener::http_listener;

// What a request handler needs; shared with the handler so that a request racing Stop never
// reaches freed memory.
struct Routes {
  ReadinessCheck readiness;
  const metrics::Registry* registry;
};

// Answers without letting an exception out: a failed reply (client gone) is only logged, and
// its task observed, because an unobserved failed pplx task aborts the process.
void Send(http_request& request, http_response response) {
  try {
    request.reply(response).then([](pplx::task<void> sent) {
      try {
        sent.get();
      } catch (const std::exception& e) {
        VLOG(4) << "http endpoint: reply not sent: " << e.what();
      }
    });
  } catch (const std::exception& e) {
    LOG(WARNING) << "http endpoint: reply failed: " << e.what();
  }
}

void Serve(const Routes& routes, http_request request) {
  try {
    const std::string method = request.method();
    const std::string path = request.request_uri().path();
    HttpReply reply = RouteObservabilityRequest(method, path, routes.readiness, routes.registry);
    VLOG(4) << "http endpoint: " << method << " " << path << " -> " << reply.status;
    http_response response(static_cast<web::http::status_code>(reply.status));
    if (!reply.allow.empty()) response.headers().add("Allow", reply.allow);
    response.set_body(std::move(reply.body), reply.content_type);
    Send(request, std::move(response));
  } catch (const std::exception& e) {
    LOG(WARNING) << "http endpoint: request failed: " << e.what();
    Send(request, http_response(web::http::status_codes::InternalError));
  } catch (...) {
    LOG(WARNING) << "http endpoint: request failed with a non-standard exception";
    Send(request, http_response(web::http::status_codes::InternalError));
  }
}

// The IPv4 socket address for `address`:`port`. IPv4 only: cpprestsdk's listener resolves the
// URI's host verbatim and fails on a bracketed IPv6 literal ("resolve: Service not found").
StatusOr<sockaddr_in> SocketAddress(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("http endpoint: address \"" + address +
                                   "\" is not an IPv4 literal (e.g. 0.0.0.0)");
  }
  return addr;
}

std::string Url(const std::string& address, int port) {
  return "http://" + address + ":" + std::to_string(port);
}

}  // namespace

struct HttpEndpoint::Listener {
  std::unique_ptr<http_listener> listener;
};

StatusOr<int> PickFreePort(const std::string& address) {
  StatusOr<sockaddr_in> addr = SocketAddress(address, 0);
  if (!addr.ok()) return addr.status();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("http endpoint: socket: ") + strerror(errno));
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  Status status;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&*addr), sizeof(sockaddr_in)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    status = Status::IOError("http endpoint: cannot bind " + address + ":0: " + strerror(errno));
  }
  close(fd);
  DRACPU_RETURN_IF_ERROR(status);
  return static_cast<int>(ntohs(bound.sin_port));
}

Status SetCpprestThreads(size_t threads) {
  if (threads == 0) return Status::InvalidArgument("cpprest thread pool: 0 threads");
  try {
    crossplat::threadpool::initialize_with_threads(threads);
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(std::string("cpprest thread pool already started: ") +
                                      e.what());
  }
  return Status::OK();
}

StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(HttpEndpointOptions options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("http endpoint: port " + std::to_string(options.port) +
                                   " outside 0..65535");
  }
  DRACPU_RETURN_IF_ERROR(SocketAddress(options.address, options.port).status());
  auto routes = std::make_shared<const Routes>(Routes{options.readiness, options.registry});
  const int attempts = options.port == 0 ? kPortAttempts : 1;
  Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int port = options.port;
    if (port == 0) {
      StatusOr<int> free_port = PickFreePort(options.address);
      if (!free_port.ok()) return free_port.status();
      port = *free_port;
    }
    const std::string url = Url(options.address, port);
    try {
      auto listener = std::make_unique<http_listener>(web::uri(url));
      listener->support([routes](http_request request) { Serve(*routes, std::move(request)); });
      listener->open().wait();
      auto held = std::make_unique<Listener>();
      held->listener = std::move(listener);
      return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(held), port, url));
    } catch (const std::exception& e) {
      last = Status::IOError("http endpoint: cannot listen on " + url + ": " + e.what());
    }
    if (attempts > 1) LOG(WARNING) << last << "; trying another port";
  }
  return last;
}

HttpEndpoint::HttpEndpoint(std::unique_ptr<Listener> listener, int port, std::string url)
    : listener_(std::move(listener)), port_(port), url_(std::move(url)) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

void HttpEndpoint::Stop() {
  if (!listener_) return;
  try {
    listener_->listener->close().wait();
  } catch (const std::exception& e) {
    LOG(WARNING) << "http endpoint: close " << url_ << ": " << e.what();
  }
  listener_.reset();
}

}  // namespace dracpu
