// Slice publication through the driver's real path, for 1024 and 4096 CPUs in individual mode
// (one device per CPU: the most content). A synthetic sysfs tree is discovered, the catalog and
// slices are built as run_driver does, and a SlicePublisher with the real KubeClient publishes
// them to the API server stand-in (in this process, HTTP on loopback). Timed:
//   - discover + catalog + render: sysfs to the desired slices;
//   - first publication: publisher Start() until its first successful sync, i.e. every slice
//     is stored (checked in the stand-in's store afterwards), on a fresh stand-in each run;
//   - re-publication, nothing changed: a second publisher (a restarted driver) against the
//     same stand-in, Start() until it has listed, planned and found the pool up to date; the
//     number of writes it sent (POST/PUT/DELETE) is printed to show it sent none;
//   - the list alone: one KubeClient::ListResourceSlices of the pool, the floor of the above.
// Median and max; nothing is asserted (shared, noisy machines).

#include <glog/logging.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "common/sysfs_topology.h"
#include "common/testing/synthetic_sysfs.h"
#include "common/testing/temp_dir.h"
#include "driver/app/slice_publisher.h"
#include "driver/core/device_catalog.h"
#include "driver/core/resource_slices.h"
#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/apiserver/field_selector.h"

namespace dracpu {
namespace {

using Clock = std::chrono::steady_clock;
using web::json::value;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Figures {
  std::vector<double> ms;
  void Print(const char* label) {
    std::sort(ms.begin(), ms.end());
    std::printf("  %-48s median %9.3f ms  max %9.3f ms  (%zu runs)\n", label, ms[ms.size() / 2],
                ms.back(), ms.size());
  }
};

// Start() until the publisher's first successful sync; a negative value when it did not
// happen within a minute.
double PublishOnce(kube::KubeClient* client, const std::vector<value>& desired) {
  std::mutex mu;
  std::condition_variable cv;
  bool published = false;
  driver::SlicePublisherOptions options;
  options.client = client;
  options.node_name = "node-a";
  options.desired = desired;
  options.on_published = [&] {
    std::lock_guard<std::mutex> lock(mu);
    published = true;
    cv.notify_all();
  };
  driver::SlicePublisher publisher(std::move(options));
  const Clock::time_point start = Clock::now();
  publisher.Start();
  std::unique_lock<std::mutex> lock(mu);
  const bool done = cv.wait_for(lock, std::chrono::minutes(1), [&] { return published; });
  const double ms = Millis(Clock::now() - start);
  lock.unlock();
  publisher.Stop();
  return done ? ms : -1;
}

// Devices in this node's slices as the stand-in stores them.
size_t StoredDevices(standin::ApiServerStandin& api, size_t* slices) {
  int64_t rv = 0;
  standin::FieldSelectorMatcher all;
  size_t devices = 0;
  *slices = 0;
  for (const value& slice : api.store().List("resourceslices", "", all, &rv)) {
    if (slice.at("spec").at("nodeName").as_string() != "node-a") continue;
    ++*slices;
    devices += slice.at("spec").at("devices").as_array().size();
  }
  return devices;
}

int Writes(const std::vector<std::string>& log, size_t from) {
  int n = 0;
  for (size_t i = from; i < log.size(); ++i) {
    if (log[i].rfind("POST ", 0) == 0 || log[i].rfind("PUT ", 0) == 0 ||
        log[i].rfind("DELETE ", 0) == 0) {
      ++n;
    }
  }
  return n;
}

int Run(const testing::SyntheticShape& shape, int reps) {
  testing::TempDir tmp("dracpu-bench-publish");
  const std::string sys = tmp.Sub("sys");
  if (::mkdir(sys.c_str(), 0755) != 0) return 1;
  Status written = testing::WriteSyntheticSysfs(shape, sys);
  if (!written.ok()) {
    std::fprintf(stderr, "sysfs: %s\n", written.ToString().c_str());
    return 1;
  }
  const DeviceLayout layout{CpuDeviceMode::kIndividual, GroupBy::kNumaNode, {}};
  const SlicePoolParams params{"node-a", "", 1};
  std::vector<value> desired;
  Figures build;
  for (int i = 0; i < reps; ++i) {
    const Clock::time_point start = Clock::now();
    StatusOr<Topology> topology = DiscoverTopology(sys);
    if (!topology.ok()) {
      std::fprintf(stderr, "discover: %s\n", topology.status().ToString().c_str());
      return 1;
    }
    StatusOr<DeviceCatalog> catalog = DeviceCatalog::Build(*topology, layout);
    if (!catalog.ok()) return 1;
    desired = BuildResourceSlices(*catalog, params);
    build.ms.push_back(Millis(Clock::now() - start));
  }
  size_t want_devices = 0;
  for (const value& slice : desired) want_devices += slice.at("spec").at("devices").size();
  std::printf("%s, %d CPUs, individual: %zu devices in %zu slices\n", shape.Name().c_str(),
              shape.total_cpus(), want_devices, desired.size());

  Figures first, again, list;
  int writes_again = 0;
  for (int i = 0; i < reps; ++i) {
    StatusOr<std::unique_ptr<standin::ApiServerStandin>> api = standin::ApiServerStandin::Start({});
    if (!api.ok()) return 1;
    kube::ClusterConfig cluster;
    cluster.server = (*api)->url();
    StatusOr<std::unique_ptr<kube::KubeClient>> client =
        kube::KubeClient::Create(cluster, kube::KubeClient::Options());
    if (!client.ok()) return 1;
    first.ms.push_back(PublishOnce(client->get(), desired));
    size_t slices = 0;
    if (first.ms.back() < 0 || StoredDevices(**api, &slices) != want_devices ||
        slices != desired.size()) {
      std::fprintf(stderr, "first publication incomplete (%zu slices stored)\n", slices);
      return 1;
    }
    const size_t before = (*api)->RequestLog().size();
    again.ms.push_back(PublishOnce(client->get(), desired));
    if (again.ms.back() < 0) return 1;
    writes_again = std::max(writes_again, Writes((*api)->RequestLog(), before));
    const Clock::time_point start = Clock::now();
    if (!(*client)->ListResourceSlices({"dra.cpu", "node-a"}).ok()) return 1;
    list.ms.push_back(Millis(Clock::now() - start));
  }
  build.Print("discover + catalog + render");
  first.Print("first publication (Start -> all slices stored)");
  again.Print("re-publication, nothing changed");
  list.Print("list alone (GET the pool's slices)");
  std::printf("  writes sent by the re-publication: %d\n", writes_again);
  return 0;
}

}  // namespace
}  // namespace dracpu

int main() {
  FLAGS_minloglevel = 1;  // the publisher logs each publication at INFO
  int rc = 0;
  rc |= dracpu::Run(dracpu::testing::Shape1024(), 5);
  rc |= dracpu::Run(dracpu::testing::Shape4096(), 5);
  return rc;
}
