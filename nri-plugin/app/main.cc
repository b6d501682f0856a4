// dracpu-nri: the NRI plugin that pins claim containers to their CPUs and confines every other
// container to the shared pool (design.md §3-§5). Wiring only: flags, logging, the state watcher,
// the NRI stub, /healthz and /metrics, and a clean stop on SIGTERM.

#include <glog/logging.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "common/config.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/readiness.h"
#include "nri-plugin/app/allocation_source.h"
#include "nri-plugin/app/cpu_pinning_plugin.h"
#include "nri-plugin/app/plugin_metrics.h"
#include "nri-plugin/app/probe_server.h"
#include "nri-plugin/app/state_watcher.h"
#include "nri-plugin/stub/stub.h"

namespace dracpu::nri {
namespace {

// The fallback re-check of the state file when inotify says nothing; bounds how long shared
// containers can stay narrow after an unprepare if a notification is lost.
constexpr std::chrono::seconds kStatePollPeriod{1};

constexpr char kConnected[] = "connected to runtime";
constexpr char kSynchronized[] = "synchronized";

int Run(const NriConfig& config) {
  // Block the stop signals in every thread started from here on; main waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  StubOptions options;
  options.socket_path = config.nri_socket;
  options.plugin_name = config.plugin_name;
  options.plugin_idx = config.plugin_index;
  // A runtime that launched us decides our identity and hands over the connection.
  if (Status s = ApplyPluginEnvironment(&options); !s.ok()) {
    LOG(ERROR) << s;
    return 2;
  }
  if (Status s = ValidatePluginIdentity(options.plugin_name, options.plugin_idx); !s.ok()) {
    LOG(ERROR) << s;
    return 2;
  }

  metrics::Registry registry;
  PluginMetrics plugin_metrics(&registry);
  AllocationSource source(config.shared.state_dir, [&plugin_metrics](const Status& error) {
    plugin_metrics.state_read_errors.WithLabels({StateErrorKind(error)}).Increment();
  });
  CpuPinningPlugin plugin(&source, &plugin_metrics);
  Stub stub(options, &plugin);
  plugin.SetUpdatePusher([&stub](const std::vector<api::ContainerUpdate>& updates) {
    return stub.UpdateContainers(updates);
  });
  StateWatcher watcher(config.shared.state_dir, kStatePollPeriod,
                       [&plugin] { plugin.ReconcileAllocations(); });
  plugin.SetWake([&watcher] { watcher.Wake(); });

  Readiness ready({kConnected, kSynchronized});
  ProbeServerOptions http;
  http.port = config.shared.http_port;
  http.registry = &registry;
  http.readiness = [&ready, &stub] {
    ready.Set(kConnected, stub.registered());
    ready.Set(kSynchronized, stub.synchronized());
    return ready.Check();
  };
  StatusOr<std::unique_ptr<ProbeServer>> endpoint = ProbeServer::Start(std::move(http));
  if (!endpoint.ok()) {
    LOG(ERROR) << "cannot serve /healthz and /metrics: " << endpoint.status();
    return 1;
  }
  LOG(INFO) << "serving /healthz and /metrics on " << (*endpoint)->url();

  if (Status s = watcher.Start(); !s.ok()) {
    LOG(ERROR) << "cannot watch the state folder " << config.shared.state_dir << ": " << s;
    return 1;
  }
  LOG(INFO) << "dracpu-nri " << options.plugin_idx << "-" << options.plugin_name << ": NRI socket "
            << options.socket_path << ", state folder " << config.shared.state_dir;
  if (Status s = stub.Start(); !s.ok()) {
    LOG(ERROR) << s;
    return 1;
  }

  int signal = 0;
  sigwait(&stop_signals, &signal);
  LOG(INFO) << "received " << strsignal(signal) << "; stopping";
  // The watcher first, so no push races the connection's close.
  watcher.Stop();
  stub.Stop();
  (*endpoint)->Stop();
  LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace dracpu::nri

int main(int argc, char** argv) {
  // One malloc arena for all threads, set before any thread starts. glibc gives each thread that
  // allocates its own arena (the connection reader, the handlers, the state watcher, the probe
  // server), and each holds on to its own freed pages: with 500 containers that was ~0.85 MiB of
  // the plugin's RSS (bench_nri_hooks). The plugin's threads rarely allocate at the same time.
  mallopt(M_ARENA_MAX, 1);
  dracpu::InitLogging(argv[0]);
  dracpu::StatusOr<dracpu::NriConfig> config =
      dracpu::ParseNriConfig(dracpu::ArgsFromArgv(argc, argv));
  if (!config.ok()) {
    std::cerr << "dracpu-nri: " << config.status().message() << "\n" << dracpu::NriUsage();
    return 2;
  }
  if (config->shared.help) {
    std::cout << dracpu::NriUsage();
    return 0;
  }
  dracpu::ApplyLogConfig(config->shared);
  return dracpu::nri::Run(*config);
}
