#include "nri-plugin/app/probe_server.h"

#include <arpa/inet.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace dracpu::nri {

namespace {

using Clock = std::chrono::steady_clock;

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

// Milliseconds left until `deadline`, at least 0.
int Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  struct pollfd p = {fd, events, 0};
  int n;
  do {
    n = poll(&p, 1, Remaining(deadline));
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

// The request line and headers, or the status to refuse with (400, 431) or 0 when the client
// went away or ran out of time.
std::pair<int, std::string> ReadHead(int fd, Clock::time_point deadline) {
  std::string head;
  char buf[1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() > ProbeServer::kMaxRequestBytes) return {431, ""};
    if (!WaitFor(fd, POLLIN, deadline)) return {0, ""};
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return {0, ""};
    head.append(buf, static_cast<size_t>(n));
  }
  return {200, head};
}

void WriteAll(int fd, const std::string& bytes, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    if (!WaitFor(fd, POLLOUT, deadline)) return;
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string Response(const HttpReply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + Reason(reply.status) +
                    "\r\nContent-Length: " + std::to_string(reply.body.size()) +
                    "\r\nConnection: close\r\n";
  if (!reply.content_type.empty()) out += "Content-Type: " + reply.content_type + "\r\n";
  if (!reply.allow.empty()) out += "Allow: " + reply.allow + "\r\n";
  return out + "\r\n" + reply.body;
}

HttpReply Refusal(int status) {
  HttpReply r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::string(Reason(status)) + "\n";
  return r;
}

}  // namespace

StatusOr<std::unique_ptr<ProbeServer>> ProbeServer::Start(ProbeServerOptions options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("probe server: bad port " + std::to_string(options.port));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.address.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument("probe server: bad IPv4 address \"" + options.address + "\"");
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(std::string("probe server: socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Status s = Status::IOError("probe server: cannot serve " + options.address + ":" +
                               std::to_string(options.port) + ": " + strerror(errno));
    close(fd);
    return s;
  }
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    close(fd);
    return Status::IOError(std::string("probe server: eventfd: ") + strerror(errno));
  }
  const int port = ntohs(addr.sin_port);
  std::unique_ptr<ProbeServer> server(new ProbeServer(std::move(options), fd, wake, port));
  server->thread_ = std::thread([s = server.get()] { s->Run(); });
  return server;
}

ProbeServer::ProbeServer(ProbeServerOptions options, int listen_fd, int wake_fd, int port)
    : options_(std::move(options)),
      listen_fd_(listen_fd),
      wake_fd_(wake_fd),
      port_(port),
      url_("http://" + options_.address + ":" + std::to_string(port)) {}

ProbeServer::~ProbeServer() {
  Stop();
  close(listen_fd_);
  close(wake_fd_);
}

void ProbeServer::Stop() {
  stopping_ = true;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

void ProbeServer::Run() {
  while (!stopping_) {
    struct pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) {
      PLOG(ERROR) << "probe server: poll";
      return;
    }
    if (stopping_) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) continue;  // the client gave up already, or fds ran out: try the next one
    Serve(fd);
    close(fd);
  }
}

void ProbeServer::Serve(int fd) {
  const Clock::time_point deadline = Clock::now() + kClientDeadline;
  auto [status, head] = ReadHead(fd, deadline);
  if (status == 0) return;
  if (status != 200) return WriteAll(fd, Response(Refusal(status)), deadline);
  // "METHOD SP TARGET SP HTTP/1.x"
  const size_t line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 7, "HTTP/1.") != 0) {
    return WriteAll(fd, Response(Refusal(400)), deadline);
  }
  const std::string method = line.substr(0, sp1);
  std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  WriteAll(fd,
           Response(RouteObservabilityRequest(method, path, options_.readiness, options_.registry)),
           deadline);
}

}  // namespace dracpu::nri
