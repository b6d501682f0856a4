// NodePrepareResources through the real dracpu-driver binary: the kubelet stand-in calls it over
// gRPC, the driver GETs the claim from the API server stand-in on loopback, writes the state
// file twice (fsync) and the CDI file. Prints per-claim latency (median, p99), the API round
// trip alone (a GET of the same claim from this process), and the driver's RSS after start and
// after 1000 claims (prepared and unprepared in a rolling window of 100, as pods come and go).

#include <cpprest/http_client.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "driver/app/testing/driver_rig.h"
#include "e2e/apiserver/apiserver_standin.h"

namespace {

using Clock = std::chrono::steady_clock;
using dracpu::testing::DriverRig;

long RssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

int Fail(const std::string& what, const dracpu::Status& s) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main() {
  constexpr int kClaims = 1000;
  constexpr size_t kWindow = 100;
  dracpu::testing::RigOptions options;
  options.fixture = "256ia64-64n2s2c";
  auto rig_or = DriverRig::Create(options);
  if (!rig_or.ok()) return Fail("rig", rig_or.status());
  DriverRig& rig = **rig_or;
  dracpu::Status started = rig.StartDriver({"-v=0"});
  if (!started.ok()) return Fail("start", started);
  const long rss_start = RssKiB(rig.driver().pid());

  web::http::client::http_client api(rig.api().url());
  std::vector<double> prepare_ms, unprepare_ms, api_ms;
  std::deque<dracpu::kubelet::ClaimRef> live;
  for (int i = 0; i < kClaims; ++i) {
    const std::string name = "bench-" + std::to_string(i);
    auto claim = rig.CreateClaim(name, dracpu::testing::GroupedRequest(1 + i % 2));
    if (!claim.ok()) return Fail("claim " + name, claim.status());

    Clock::time_point t0 = Clock::now();
    api.request(web::http::methods::GET,
                "/apis/resource.k8s.io/v1/namespaces/ns/resourceclaims/" + name)
        .get()
        .extract_string()
        .get();
    api_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

    t0 = Clock::now();
    auto outcome = rig.Prepare({*claim});
    prepare_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!outcome.ok()) return Fail("prepare " + name, outcome.status());
    if (!outcome->at(claim->uid).ok()) {
      std::fprintf(stderr, "prepare %s: %s\n", name.c_str(), outcome->at(claim->uid).error.c_str());
      return 1;
    }
    live.push_back(*claim);
    if (live.size() > kWindow) {
      dracpu::kubelet::ClaimRef old = live.front();
      live.pop_front();
      t0 = Clock::now();
      auto errors = rig.Unprepare({old});
      unprepare_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!errors.ok()) return Fail("unprepare", errors.status());
      (void)rig.api().store().Delete("resourceclaims", "ns", old.name, "", "");
    }
  }
  const long rss_after = RssKiB(rig.driver().pid());
  // The driver's own view (its /metrics histogram): time inside Prepare, API GET included.
  double driver_sum = 0, driver_count = 0;
  auto metrics = rig.HttpGet("/metrics");
  if (metrics.ok()) {
    std::istringstream lines(metrics->second);
    std::string line;
    const std::string series = "dracpu_driver_prepare_duration_seconds_";
    while (std::getline(lines, line)) {
      if (line.rfind(series + "sum{result=\"ok\"} ", 0) == 0) {
        driver_sum = std::stod(line.substr(line.find(' ') + 1));
      } else if (line.rfind(series + "count{result=\"ok\"} ", 0) == 0) {
        driver_count = std::stod(line.substr(line.find(' ') + 1));
      }
    }
  }
  std::printf("fixture %s (256 CPUs, grouped by NUMA node), %d claims, window %zu\n",
              options.fixture.c_str(), kClaims, kWindow);
  std::printf(
      "NodePrepareResources per claim (kubelet stand-in, gRPC + API GET + state + CDI): "
      "median %.3f ms, p99 %.3f ms\n",
      Percentile(prepare_ms, 0.5), Percentile(prepare_ms, 0.99));
  std::printf(
      "API round trip alone (GET claim from the stand-in on loopback): median %.3f ms, "
      "p99 %.3f ms\n",
      Percentile(api_ms, 0.5), Percentile(api_ms, 0.99));
  if (driver_count > 0) {
    std::printf("inside the driver's Prepare (API GET + state + CDI), mean: %.3f ms\n",
                1000 * driver_sum / driver_count);
  }
  std::printf("NodeUnprepareResources per claim: median %.3f ms, p99 %.3f ms\n",
              Percentile(unprepare_ms, 0.5), Percentile(unprepare_ms, 0.99));
  std::printf("driver RSS: %ld KiB after start, %ld KiB after %d claims\n", rss_start, rss_after,
              kClaims);
  auto stopped = rig.StopDriver();
  return stopped.ok() && *stopped == 0 ? 0 : 1;
}
