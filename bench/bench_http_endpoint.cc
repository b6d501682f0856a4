// What serving /healthz and /metrics costs a binary: resident memory and threads that starting
// the cpprestsdk listener adds (the nri-plugin's RSS target is 8 MiB), and the loopback latency
// of a scrape. Figures are printed, never asserted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/http/http_endpoint.h"
#include "common/metrics.h"

namespace {

// A field of /proc/self/status ("VmRSS", "Threads") as a number (kB for sizes).
long ProcStatus(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Seconds for one GET over a fresh connection, or -1 when it failed.
double Scrape(int port, const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[8192];
    for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) reply.append(buf, n);
  }
  close(fd);
  if (reply.rfind("HTTP/1.1 200", 0) != 0) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void PrintLatency(const char* what, std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  std::printf("%s over loopback: median %.0f us, p99 %.0f us (%zu requests)\n", what,
              seconds[seconds.size() / 2] * 1e6, seconds[seconds.size() * 99 / 100] * 1e6,
              seconds.size());
}

}  // namespace

int main() {
  using namespace dracpu;
  // As recommended for the nri-plugin (see SetCpprestThreads); cpprest's default is 40 threads.
  const size_t pool = 2;
  if (Status s = SetCpprestThreads(pool); !s.ok())
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
  metrics::Registry registry;
  auto& hooks = registry.AddHistogramFamily("bench_hook_seconds", "Hook latency.", {"event"},
                                            metrics::ExponentialBuckets(25e-6, 2, 16));
  for (const char* event : {"CreateContainer", "StopContainer", "RemoveContainer"}) {
    hooks.WithLabels({event}).Observe(1e-4);
  }
  const long rss_before = ProcStatus("VmRSS");
  const long threads_before = ProcStatus("Threads");

  HttpEndpointOptions options;
  options.address = "127.0.0.1";
  options.registry = &registry;
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(options);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "%s\n", endpoint.status().ToString().c_str());
    return 1;
  }
  const int port = (*endpoint)->port();
  Scrape(port, "/healthz");  // the first request starts cpprest's threads
  std::printf(
      "cpprest pool of %zu threads; listener started: RSS %ld kB -> %ld kB, threads %ld -> %ld\n",
      pool, rss_before, ProcStatus("VmRSS"), threads_before, ProcStatus("Threads"));

  for (const char* path : {"/healthz", "/metrics"}) {
    std::vector<double> seconds;
    for (int i = 0; i < 500; ++i) {
      const double s = Scrape(port, path);
      if (s < 0) {
        std::fprintf(stderr, "GET %s failed\n", path);
        return 1;
      }
      seconds.push_back(s);
    }
    PrintLatency((std::string("GET ") + path).c_str(), seconds);
  }
  std::printf("after 1000 requests: RSS %ld kB\n", ProcStatus("VmRSS"));
  return 0;
}
