// NodePrepareResources / NodeUnprepareResources round trip through the kubelet plugin's gRPC
// adapter (unix socket, both API versions) with a preparer that does nothing: the adapter's
// share of the prepare latency, to set against the p99 <= 2 ms budget. Figures only.

#include <glog/logging.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "driver/kubelet/kubelet_plugin.h"
#include "e2e/kubelet_standin/kubelet_standin.h"
#include "e2e/kubelet_standin/registry_watcher.h"

namespace {

using namespace dracpu;

class NoopPreparer : public kubelet::ClaimPreparer {
 public:
  StatusOr<kubelet::PrepareResult> Prepare(const kubelet::ClaimRef& c) override {
    return kubelet::PrepareResult{
        {{{}, "node", "cpudev000", {"dra.k8s.io/cpu=claim-" + c.uid}, {}}}, ""};
  }
  Status Unprepare(const kubelet::ClaimRef&) override { return Status::OK(); }
};

void Report(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  std::printf("%-44s n=%zu median=%.1f us p99=%.1f us max=%.1f us\n", what, us.size(),
              us[us.size() / 2], us[us.size() * 99 / 100], us.back());
}

template <class Call>
std::vector<double> Time(int n, Call call) {
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!call(i)) {
      std::fprintf(stderr, "call failed\n");
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  return us;
}

}  // namespace

int main() {
  FLAGS_minloglevel = 2;  // one INFO line per claim would measure glog, not gRPC
  char tmpl[] = "/tmp/dracpu-bench-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  std::string root = tmpl;
  kubelet::KubeletPluginOptions options;
  options.registry_dir = root + "/registry";
  options.plugins_dir = root + "/plugins";
  mkdir(options.registry_dir.c_str(), 0755);
  NoopPreparer preparer;
  kubelet::KubeletPlugin plugin(options, &preparer,
                                [] { return std::vector<kubelet::DeviceId>{}; });
  if (!plugin.Start().ok()) return 1;
  standin::KubeletStandin kubelet;
  auto socket = standin::WaitForRegistrationSocket(options.registry_dir, std::chrono::seconds(5));
  auto reg = kubelet.Register(*socket);
  if (!reg.ok()) return 1;

  const int n = 2000;
  for (std::string api : {"v1", "v1beta1"}) {
    Report(("prepare 1 claim, " + api).c_str(), Time(n, [&](int i) {
             return kubelet.Prepare(*reg, {{"ns", "c", "u" + std::to_string(i)}}, api).ok();
           }));
  }
  std::vector<kubelet::ClaimRef> batch;
  for (int i = 0; i < 16; ++i) batch.push_back({"ns", "c", "b" + std::to_string(i)});
  Report("prepare batch of 16 claims, v1",
         Time(n / 4, [&](int) { return kubelet.Prepare(*reg, batch).ok(); }));
  Report("unprepare 1 claim, v1", Time(n, [&](int i) {
           return kubelet.Unprepare(*reg, {{"ns", "c", "u" + std::to_string(i)}}).ok();
         }));
  plugin.Stop();
  std::system(("rm -rf " + root).c_str());
  return 0;
}
