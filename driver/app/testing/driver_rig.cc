#include "driver/app/testing/driver_rig.h"

#include <cpprest/http_client.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/testing/topology_source.h"
#include "e2e/apiserver/apiserver_standin.h"

namespace dracpu::testing {
namespace {

using web::json::value;

value ParseOrDie(const std::string& text) { return value::parse(text); }

Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  out.close();
  if (!out.good()) return Status::IOError("writing " + path);
  return Status::OK();
}

std::string Binary() { return std::string(DRACPU_BINARY_DIR) + "/driver/dracpu-driver"; }

}  // namespace

value GroupedRequest(int cpus) {
  return ParseOrDie(R"({"name": "cpus", "exactly": {"deviceClassName": "dra.cpu",
      "capacity": {"requests": {"dra.cpu/cpu": ")" +
                    std::to_string(cpus) + R"("}}}})");
}

value IndividualRequest(int count) {
  return ParseOrDie(R"({"name": "cpus", "exactly": {"deviceClassName": "dra.cpu", "count": )" +
                    std::to_string(count) + "}}");
}

DriverRig::DriverRig(RigOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<DriverRig>> DriverRig::Create(RigOptions options) {
  std::unique_ptr<DriverRig> rig(new DriverRig(std::move(options)));
  DRACPU_RETURN_IF_ERROR(rig->Init());
  return rig;
}

Status DriverRig::Init() {
  auto fixture = OpenTopology(DRACPU_SHARED_DIR "/topologies", options_.fixture);
  if (!fixture.ok()) return fixture.status();
  fixture_ = std::move(*fixture);
  dir_ = std::make_unique<TempDir>("dracpu-drvapp");
  root_ = dir_->path();
  for (const char* sub : {"/kubelet", "/kubelet/plugins_registry", "/kubelet/plugins", "/proc",
                          "/proc/sys", "/proc/sys/kernel", "/proc/sys/kernel/random"}) {
    if (::mkdir((root_ + sub).c_str(), 0700) != 0) return Status::IOError("mkdir " + root_ + sub);
  }
  DRACPU_RETURN_IF_ERROR(SetBootId(options_.boot_id));

  auto api = standin::ApiServerStandin::Start({});
  if (!api.ok()) return api.status();
  api_ = std::move(*api);
  auto node = api_->store().Create("nodes", "",
                                   ParseOrDie(R"({"apiVersion": "v1",
      "kind": "Node", "metadata": {"name": ")" +
                                              options_.node + R"("}})"));
  if (!node.ok()) return node.status();
  auto device_class = api_->store().Create("deviceclasses", "", ParseOrDie(R"({
      "apiVersion": "resource.k8s.io/v1", "kind": "DeviceClass", "metadata": {"name": "dra.cpu"},
      "spec": {"selectors": [{"cel": {"expression": "device.driver == \"dra.cpu\""}}]}})"));
  if (!device_class.ok()) return device_class.status();
  return WriteFile(root_ + "/kubeconfig",
                   "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
                   "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
                   "clusters: [{name: c, cluster: {server: \"" +
                       api_->url() +
                       "\"}}]\n"
                       "users: [{name: u, user: {token: test-token}}]\n");
}

DriverRig::~DriverRig() {
  if (driver_) driver_->Kill();
}

Status DriverRig::SetBootId(const std::string& boot_id) {
  return WriteFile(root_ + "/proc/sys/kernel/random/boot_id", boot_id + "\n");
}

Status DriverRig::StartDriver(const std::vector<std::string>& flags, bool wait_ready) {
  std::vector<std::string> args = {"--node-name=" + options_.node,
                                   "--sysfs-root=" + fixture_.sys_root,
                                   "--proc-root=" + root_ + "/proc",
                                   "--state-dir=" + state_dir(),
                                   "--cdi-dir=" + cdi_dir(),
                                   "--kubelet-registry-dir=" + registry_dir(),
                                   "--kubelet-plugins-dir=" + plugins_dir(),
                                   "--kubeconfig=" + root_ + "/kubeconfig",
                                   "--http-port=0",
                                   "-v=2"};
  args.insert(args.end(), flags.begin(), flags.end());
  const std::string log = root_ + "/driver-" + std::to_string(++starts_) + ".log";
  StatusOr<std::unique_ptr<DriverProcess>> driver = DriverProcess::Spawn(Binary(), args, log);
  if (!driver.ok()) return driver.status();
  driver_ = std::move(*driver);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::string socket = registry_dir() + "/dra.cpu-reg.sock";
  // The log line, not the socket file alone: a killed driver leaves its socket behind, and the
  // new process replaces it only after it logs its HTTP port.
  auto up = [&] {
    const std::string log = driver_->Log();
    return ::access(socket.c_str(), F_OK) == 0 && HttpPortFromLog(log) != 0 &&
           log.find("registration on " + socket) != std::string::npos;
  };
  while (!up()) {
    if (driver_->Wait(std::chrono::milliseconds(0)).ok() ||
        std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("driver did not come up:\n" + driver_->Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  http_port_ = HttpPortFromLog(driver_->Log());
  DRACPU_RETURN_IF_ERROR(RegisterKubelet());
  while (wait_ready) {
    StatusOr<std::pair<int, std::string>> health = HttpGet("/healthz");
    if (health.ok() && health->first == 200) return Status::OK();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable(
          "driver never ready: " + (health.ok() ? health->second : health.status().ToString()) +
          "\n" + driver_->Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::OK();
}

StatusOr<int> DriverRig::StopDriver() { return driver_->Terminate(std::chrono::seconds(15)); }

void DriverRig::KillDriver() { driver_->Kill(); }

std::vector<value> DriverRig::Slices() {
  int64_t rv = 0;
  standin::FieldSelectorMatcher all;
  std::vector<value> slices;
  for (value& slice : api_->store().List("resourceslices", "", all, &rv)) {
    if (slice.at(U("spec")).at(U("nodeName")).as_string() == options_.node) {
      slices.push_back(std::move(slice));
    }
  }
  return slices;
}

StatusOr<kubelet::ClaimRef> DriverRig::CreateClaim(const std::string& name, const value& request) {
  value claim = ParseOrDie(R"({"apiVersion": "resource.k8s.io/v1", "kind": "ResourceClaim",
      "metadata": {"name": ")" +
                           name + R"(", "namespace": "ns"},
      "spec": {"devices": {"requests": []}}})");
  claim[U("spec")][U("devices")][U("requests")][0] = request;
  StatusOr<value> created = api_->store().Create("resourceclaims", "ns", claim);
  if (!created.ok()) return created.status();
  StatusOr<value> allocated =
      api_->AllocateClaim("ns", name, name + "-pod", "pod-" + name, options_.node);
  if (!allocated.ok()) return allocated.status();
  return kubelet::ClaimRef{"ns", name, allocated->at(U("metadata")).at(U("uid")).as_string()};
}

StatusOr<std::pair<int, std::string>> DriverRig::HttpGet(const std::string& path) {
  try {
    web::http::client::http_client_config config;
    config.set_timeout(std::chrono::seconds(5));
    web::http::client::http_client client("http://127.0.0.1:" + std::to_string(http_port_), config);
    web::http::http_response response = client.request(web::http::methods::GET, path).get();
    return std::make_pair(static_cast<int>(response.status_code()),
                          response.extract_string(true).get());
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("GET ") + path + ": " + e.what());
  }
}

StatusOr<AllocationState> DriverRig::ReadState() { return StateStore(state_dir()).Read(); }

}  // namespace dracpu::testing
