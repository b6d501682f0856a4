#include "driver/app/run_driver.h"

#include <glog/logging.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "common/allocator.h"
#include "common/boot_id.h"
#include "common/http/http_endpoint.h"
#include "common/metrics.h"
#include "common/readiness.h"
#include "common/state_store.h"
#include "common/sysfs_topology.h"
#include "driver/app/claim_preparation.h"
#include "driver/app/driver_metrics.h"
#include "driver/app/slice_publisher.h"
#include "driver/app/startup_reconcile.h"
#include "driver/core/device_catalog.h"
#include "driver/core/resource_slices.h"
#include "driver/kube/backoff.h"
#include "driver/kube/cluster_config.h"
#include "driver/kube/kube_client.h"
#include "driver/kubelet/kubelet_plugin.h"

namespace dracpu::driver {
namespace {

constexpr char kRegistered[] = "registered with kubelet";
constexpr char kPublished[] = "ResourceSlices published";

// "auto": the newest version the server serves, else the named one.
StatusOr<ResourceApiVersion> ChooseApiVersion(const std::string& setting,
                                              kube::KubeClient* client) {
  if (setting != "auto") return ParseResourceApiVersion(setting);
  StatusOr<std::vector<std::string>> served = client->ServedResourceVersions();
  if (!served.ok()) return served.status().Annotate("discovering resource.k8s.io versions");
  for (const char* name : {"v1", "v1beta2", "v1beta1"}) {
    if (std::find(served->begin(), served->end(), name) != served->end()) {
      return ParseResourceApiVersion(name);
    }
  }
  return Status::FailedPrecondition(
      "the API server serves no resource.k8s.io version this driver speaks (v1, v1beta2, "
      "v1beta1); DRA needs Kubernetes 1.32 or later");
}

StatusOr<std::unique_ptr<kube::KubeClient>> MakeClient(const DriverConfig& config,
                                                       const kube::ClusterConfig& cluster,
                                                       DriverMetrics* metrics,
                                                       ResourceApiVersion* version) {
  kube::KubeClient::Options options;
  options.on_attempt = [metrics](const std::string& verb, int, std::chrono::microseconds took) {
    metrics->ObserveApiRequest(verb, std::chrono::duration<double>(took).count());
  };
  StatusOr<std::unique_ptr<kube::KubeClient>> client = kube::KubeClient::Create(cluster, options);
  if (!client.ok()) return client.status();
  StatusOr<ResourceApiVersion> chosen =
      ChooseApiVersion(config.resource_api_version, client->get());
  if (!chosen.ok()) return chosen.status();
  *version = *chosen;
  if (*version == options.api_version) return client;
  // The client's paths follow its version; make one for the chosen version.
  options.api_version = *version;
  return kube::KubeClient::Create(cluster, options);
}

// Whether an API client failure may go away by itself (the server is down or slow), so the
// driver keeps serving the kubelet and tries again, rather than a misconfiguration to exit on.
bool Transient(const Status& status) {
  return status.code() == Status::Code::kUnavailable ||
         status.code() == Status::Code::kDeadlineExceeded ||
         status.code() == Status::Code::kIOError;
}

// Waits up to `wait` for SIGTERM or SIGINT; true (and logged) when one came.
bool StopRequested(const sigset_t& signals, timespec wait) {
  int sig = sigtimedwait(&signals, nullptr, &wait);
  if (sig != SIGTERM && sig != SIGINT) return false;
  LOG(INFO) << "received " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << "; stopping";
  return true;
}

// The Node's UID for the slices' ownerReference; "" (unowned slices) when it cannot be read.
std::string NodeUid(kube::KubeClient* client, const std::string& node_name) {
  StatusOr<web::json::value> node = client->GetNode(node_name);
  if (!node.ok()) {
    LOG(WARNING) << "reading Node " << node_name << " failed (" << node.status()
                 << "); publishing ResourceSlices without an owner";
    return "";
  }
  return kube::JsonString(*node, {"metadata", "uid"});
}

// Logs `registered with kubelet` / `kubelet registration failed: <error>` as the kubelet's
// answers change.
class RegistrationLog {
 public:
  void Update(const kubelet::KubeletPlugin& plugin) {
    const bool registered = plugin.registered();
    if (registered && !was_registered_) LOG(INFO) << kRegistered;
    std::string error = plugin.last_registration_error();
    if (!registered && !error.empty() && error != last_error_) {
      LOG(ERROR) << "kubelet registration failed: " << error;
    }
    last_error_ = std::move(error);
    was_registered_ = registered;
  }

 private:
  bool was_registered_ = false;
  std::string last_error_;
};

// Serves until SIGTERM or SIGINT (true) or until `done` (when set) returns true (false),
// checking both every 200 ms and logging registration changes meanwhile.
bool ServeUntil(const sigset_t& signals, const kubelet::KubeletPlugin& plugin, RegistrationLog* log,
                const std::function<bool()>& done) {
  while (true) {
    log->Update(plugin);
    if (done && done()) return false;
    if (StopRequested(signals, timespec{0, 200 * 1000 * 1000})) return true;
  }
}

}  // namespace

int RunDriver(const DriverConfig& config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto fail = [](const std::string& what, const Status& status) {
    LOG(ERROR) << "dracpu-driver: " << what << ": " << status;
    return 1;
  };

  StatusOr<Topology> topology = DiscoverTopology(config.sysfs_root);
  if (!topology.ok()) return fail("topology discovery", topology.status());
  DeviceLayout layout{config.cpu_device_mode, config.group_by, config.reserved_cpus};
  StatusOr<DeviceCatalog> catalog = DeviceCatalog::Build(*topology, layout);
  if (!catalog.ok()) return fail("devices", catalog.status());
  const CpuAllocator allocator(*topology);
  GroupCpuAllocator allocate = [&](const CpuSet&, const CpuSet& free, int n) {
    AllocationRequest request;
    request.cpus = n;
    request.full_cores = config.full_cores;
    request.spread_numa = config.spread_numa;
    return allocator.Allocate(free, request);
  };
  LOG(INFO) << "node " << config.node_name << ": " << topology->online().Size()
            << " online CPUs, reserved "
            << (config.reserved_cpus.Empty() ? "none" : config.reserved_cpus.ToString()) << ", "
            << catalog->devices().size() << " devices (" << CpuDeviceModeName(layout.mode)
            << (layout.mode == CpuDeviceMode::kGrouped
                    ? std::string(" by ") + GroupByName(layout.group_by)
                    : std::string())
            << ")";

  StatusOr<std::string> boot_id = ReadBootId(config.proc_root);
  if (!boot_id.ok()) return fail("boot id", boot_id.status());
  StateStore::Options store_options;
  store_options.validate = CheckClaimsDisjoint;  // overlapping claims: a corrupt file
  StateStore store(config.shared.state_dir, store_options);
  NodeFacts facts{config.node_name, *boot_id, topology->online(), config.reserved_cpus,
                  catalog->allocatable()};
  StatusOr<StartupSummary> reconciled = ReconcileAtStartup(&store, config.cdi_dir, facts);
  if (!reconciled.ok()) return fail("state file", reconciled.status());

  metrics::Registry registry;
  DriverMetrics driver_metrics(&registry);
  Readiness readiness({kRegistered, kPublished});

  StatusOr<kube::ClusterConfig> cluster = kube::ResolveClusterConfig(config.kubeconfig);
  if (!cluster.ok()) return fail("API server configuration", cluster.status());
  // Set once the API server has answered. Until then no claim can be read, but all the
  // kubelet needs without it works: unprepare, and prepare of claims already prepared.
  std::unique_ptr<kube::KubeClient> client;
  std::atomic<kube::KubeClient*> api{nullptr};

  ClaimPreparationOptions prep;
  prep.node_name = config.node_name;
  prep.cdi_dir = config.cdi_dir;
  prep.catalog = &*catalog;
  prep.allocate = allocate;
  prep.store = &store;
  prep.fetch_claim = [&api](const std::string& ns,
                            const std::string& name) -> StatusOr<web::json::value> {
    kube::KubeClient* reached = api.load();
    if (reached == nullptr) {
      return Status::Unavailable("the API server has not answered since the driver started");
    }
    return reached->GetResourceClaim(ns, name);
  };
  prep.metrics = &driver_metrics;
  prep.recover_state = [&store, &config, &facts] {
    return ReconcileAtStartup(&store, config.cdi_dir, facts).status();
  };
  ClaimPreparation preparation(std::move(prep));
  preparation.RefreshPoolMetrics();

  std::vector<kubelet::DeviceId> device_ids;
  for (const CpuDevice& device : catalog->devices()) {
    device_ids.push_back({config.node_name, device.name});
  }
  kubelet::KubeletPluginOptions plugin_options;
  plugin_options.registry_dir = config.kubelet_registry_dir;
  plugin_options.plugins_dir = config.kubelet_plugins_dir;
  auto plugin = std::make_unique<kubelet::KubeletPlugin>(plugin_options, &preparation,
                                                         [device_ids] { return device_ids; });

  HttpEndpointOptions http;
  http.port = config.shared.http_port;
  http.registry = &registry;
  http.readiness = [&readiness, &plugin] {
    readiness.Set(kRegistered, plugin->registered());
    return readiness.Check();
  };
  StatusOr<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::Start(std::move(http));
  if (!endpoint.ok()) return fail("HTTP endpoint", endpoint.status());
  LOG(INFO) << "serving /healthz and /metrics on " << (*endpoint)->url();

  Status started = plugin->Start();
  if (!started.ok()) return fail("kubelet plugin", started);

  // The resource API version ("auto": discovered) while the kubelet is already served, so an
  // API server outage at start only delays new claims and the slices; a misconfiguration
  // (e.g. no resource.k8s.io version this driver speaks) still ends the driver.
  RegistrationLog registration;
  ResourceApiVersion version = ResourceApiVersion::kV1;
  Status fatal;
  // Attempts are spaced by a capped backoff: some failures (an unreadable token file) come back
  // at once, and retrying those every tick would flood the log.
  const kube::BackoffPolicy discovery_backoff{std::chrono::seconds(1), std::chrono::seconds(10)};
  int failed_attempts = 0;
  auto next_attempt = std::chrono::steady_clock::now();
  bool stop = ServeUntil(signals, *plugin, &registration, [&] {
    if (std::chrono::steady_clock::now() < next_attempt) return false;
    StatusOr<std::unique_ptr<kube::KubeClient>> made =
        MakeClient(config, *cluster, &driver_metrics, &version);
    if (made.ok()) {
      client = std::move(*made);
      return true;
    }
    if (!Transient(made.status())) {
      fatal = made.status();
      return true;
    }
    const std::chrono::milliseconds wait =
        kube::BackoffDelay(discovery_backoff, failed_attempts++, kube::UnitRandom());
    next_attempt = std::chrono::steady_clock::now() + wait;
    LOG(WARNING) << "API server not reachable (" << made.status()
                 << "); serving the kubelet meanwhile, next try in " << wait.count() << " ms";
    return false;
  });
  if (!fatal.ok()) {
    plugin->Stop();
    return fail("API client", fatal);
  }

  std::unique_ptr<SlicePublisher> publisher;
  if (!stop) {
    api = client.get();
    LOG(INFO) << "using resource.k8s.io/" << ResourceApiVersionName(version);
    SlicePublisherOptions publish;
    publish.client = client.get();
    publish.node_name = config.node_name;
    publish.version = version;
    publish.desired =
        BuildResourceSlices(*catalog, {config.node_name, NodeUid(client.get(), config.node_name)});
    publish.metrics = &driver_metrics;
    publish.on_published = [&readiness, &plugin] {
      readiness.Set(kPublished, true);
      plugin->DevicesChanged();
    };
    publisher = std::make_unique<SlicePublisher>(std::move(publish));
    publisher->Start();
    ServeUntil(signals, *plugin, &registration, nullptr);
  }
  plugin->Stop();
  if (publisher) publisher->Stop();
  (*endpoint)->Stop();
  LOG(INFO) << "dracpu-driver stopped";
  return 0;
}

}  // namespace dracpu::driver
