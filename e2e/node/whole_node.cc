#include "e2e/node/whole_node.h"

#include <glog/logging.h>
#include <sys/wait.h>

#include <filesystem>
#include <thread>

#include "e2e/runtime_standin/nri_node_rig.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

constexpr auto kPluginTimeout = 20s;

std::string NriBinary() { return std::string(DRACPU_BINARY_DIR) + "/nri-plugin/dracpu-nri"; }

}  // namespace

WholeNode::WholeNode(NodeOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<WholeNode>> WholeNode::Start(NodeOptions options) {
  std::unique_ptr<WholeNode> node(new WholeNode(std::move(options)));
  DRACPU_RETURN_IF_ERROR(node->Init());
  return node;
}

WholeNode::~WholeNode() {
  // The plugin first, so that it never sees the runtime vanish under it; the runtime's and the
  // rig's destructors then remove containers, the driver and the temporary root.
  nri_.Kill();
}

Status WholeNode::Init() {
  testing::RigOptions rig;
  rig.fixture = options_.topology;
  rig.node = options_.node_name;
  rig.kubelet_call_timeout = options_.kubelet_call_timeout;
  rig.kubelet_attempts = options_.kubelet_attempts;
  auto cluster = testing::DriverRig::Create(rig);
  if (!cluster.ok()) return cluster.status().Annotate("topology " + options_.topology);
  cluster_ = std::move(*cluster);
  DRACPU_RETURN_IF_ERROR(StartDriver());
  DRACPU_RETURN_IF_ERROR(StartRuntime());
  return StartNriPlugin();
}

Status WholeNode::StartRuntime() {
  standin::RuntimeOptions runtime;
  runtime.socket_path = cluster_->root() + "/nri.sock";
  runtime.cdi_dirs = {cluster_->cdi_dir()};
  if (options_.real_cgroups && options_.topology == "host") {
    for (auto [root, layout] : {std::pair{"/sys/fs/cgroup/cpuset", standin::CgroupLayout::kV1},
                                std::pair{"/sys/fs/cgroup", standin::CgroupLayout::kV2}}) {
      runtime.cgroup_root = root;
      runtime.cgroup_layout = layout;
      auto started = standin::RuntimeStandin::Start(runtime);
      if (started.ok()) {
        runtime_ = std::move(*started);
        return Status::OK();
      }
      LOG(INFO) << "whole node: no real cgroups under " << root << ": " << started.status();
    }
    runtime.cgroup_root.clear();
  }
  auto started = standin::RuntimeStandin::Start(runtime);
  if (!started.ok()) return started.status().Annotate("runtime stand-in");
  runtime_ = std::move(*started);
  return Status::OK();
}

Status WholeNode::StartDriver(bool until_ready) {
  std::vector<std::string> flags = {"--cpu-device-mode=" + options_.device_mode,
                                    "--group-by=" + options_.group_by,
                                    "--reserved-cpus=" + options_.reserved_cpus};
  flags.insert(flags.end(), options_.driver_flags.begin(), options_.driver_flags.end());
  return cluster_->StartDriver(flags, until_ready);
}

Status WholeNode::StopDriver(bool crash) {
  if (crash) {
    cluster_->KillDriver();
    return Status::OK();
  }
  StatusOr<int> code = cluster_->StopDriver();
  if (!code.ok()) return code.status().Annotate("dracpu-driver on SIGTERM");
  if (*code != 0) {
    return Status::Internal("dracpu-driver exited " + std::to_string(*code) + " on SIGTERM");
  }
  return Status::OK();
}

Status WholeNode::RestartDriver(bool crash) {
  DRACPU_RETURN_IF_ERROR(StopDriver(crash));
  return StartDriver();
}

std::string WholeNode::nri_log() const { return cluster_->root() + "/dracpu-nri.log"; }

Status WholeNode::StartNriPlugin(const std::string& binary) {
  const uint64_t before = runtime_->handshakes();
  DRACPU_RETURN_IF_ERROR(nri_.Start(
      standin::PluginArgv(binary.empty() ? NriBinary() : binary, cluster_->root() + "/nri.sock",
                          cluster_->state_dir(), options_.nri_verbosity),
      nri_log()));
  ++nri_starts_;
  Status connected = runtime_->WaitForPlugin(kPluginTimeout, before + 1);
  if (!connected.ok()) return connected.Annotate("dracpu-nri start " + std::to_string(nri_starts_));
  return Status::OK();
}

Status WholeNode::StopNriPlugin(bool crash) {
  if (crash) {
    nri_.Kill();
    return Status::OK();
  }
  const int status = nri_.Stop();
  if (status != -1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    return Status::Internal("dracpu-nri did not exit cleanly on SIGTERM (wait status " +
                            std::to_string(status) + "), see " + nri_log());
  }
  return Status::OK();
}

Status WholeNode::RestartNriPlugin(bool crash) {
  DRACPU_RETURN_IF_ERROR(StopNriPlugin(crash));
  return StartNriPlugin();
}

Status WholeNode::RestartRuntime() {
  const uint64_t before = runtime_->handshakes();
  DRACPU_RETURN_IF_ERROR(runtime_->Restart());
  return runtime_->WaitForPlugin(kPluginTimeout, before + 1);
}

Status WholeNode::Reboot(const std::string& new_boot_id) {
  nri_.Kill();
  cluster_->KillDriver();
  runtime_.reset();  // every container and pod gone with it
  pods_.clear();
  DRACPU_RETURN_IF_ERROR(cluster_->SetBootId(new_boot_id));
  DRACPU_RETURN_IF_ERROR(StartRuntime());
  DRACPU_RETURN_IF_ERROR(StartDriver());
  return StartNriPlugin();
}

StatusOr<CpuPools> WholeNode::Pools() {
  StatusOr<AllocationState> state = ReadState();
  if (!state.ok()) return state.status();
  return PoolsFromState(*state);
}

std::string WholeNode::CpusOf(const std::string& id) {
  StatusOr<standin::ContainerView> view = runtime_->GetContainer(id);
  return view.ok() ? view->cpus : "(" + view.status().ToString() + ")";
}

std::vector<std::string> WholeNode::Violations() {
  StatusOr<AllocationState> state = ReadState();
  if (!state.ok()) return {"state file: " + state.status().ToString()};
  std::map<std::string, std::string> pod_names;  // sandbox id -> pod name
  for (const auto& [name, pod] : pods_) {
    if (!pod.sandbox_id.empty()) pod_names[pod.sandbox_id] = name;
  }
  std::vector<ContainerCpus> containers;
  std::vector<std::string> kernel;
  for (const standin::ContainerView& c : runtime_->Containers()) {
    if (c.state != standin::api::CONTAINER_CREATED && c.state != standin::api::CONTAINER_RUNNING)
      continue;
    auto pod = pod_names.find(c.pod_id);
    const std::string pod_name = pod == pod_names.end() ? c.pod_id : pod->second;
    const std::string label = pod_name + "/" + c.name + " (" + c.id + ")";
    containers.push_back({label, c.env, c.cpus});
    if (c.has_cgroup) {
      // The kernel must agree with what the runtime recorded.
      StatusOr<CpuSet> affinity = runtime_->RealAffinity(c.id);
      if (!affinity.ok() || affinity->ToString() != c.cpus) {
        kernel.push_back(label + ": the kernel lets it run on " +
                         (affinity.ok() ? affinity->ToString() : affinity.status().ToString()) +
                         ", the runtime recorded " + c.cpus);
      }
    }
  }
  std::vector<std::string> violations = NodeViolations(*state, containers);
  violations.insert(violations.end(), kernel.begin(), kernel.end());
  return violations;
}

Status WholeNode::WaitForInvariants(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<std::string> violations = Violations();
    if (violations.empty()) return Status::OK();
    if (std::chrono::steady_clock::now() > deadline) {
      std::string text;
      for (const std::string& v : violations) text += "\n  " + v;
      return Status::FailedPrecondition("node invariants do not hold:" + text);
    }
    std::this_thread::sleep_for(10ms);
  }
}

StatusOr<std::chrono::microseconds> WholeNode::WaitForSharedPool(
    std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  StatusOr<CpuPools> pools = Pools();
  if (!pools.ok()) return pools.status();
  const std::string shared = pools->shared.ToString();
  std::string narrow;  // the containers not on the pool yet, for the timeout's message
  auto all_grown = [&] {
    narrow.clear();
    for (const standin::ContainerView& c : runtime_->Containers()) {
      if (c.state != standin::api::CONTAINER_CREATED && c.state != standin::api::CONTAINER_RUNNING)
        continue;
      bool claim = false;
      for (const std::string& e : c.env) claim = claim || e.rfind("DRA_CPUSET_", 0) == 0;
      if (!claim && c.cpus != shared) narrow += " " + c.name + " (" + c.id + ") on " + c.cpus;
    }
    return narrow.empty();
  };
  if (!runtime_->WaitUntil(all_grown, timeout)) {
    return Status::DeadlineExceeded("shared pool " + shared + " not reached by:" + narrow);
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

std::string WholeNode::KeepLogs(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string kept;
  for (const fs::directory_entry& entry : fs::directory_iterator(cluster_->root(), ec)) {
    const std::string name = entry.path().filename();
    if (entry.path().extension() != ".log") continue;
    fs::copy_file(entry.path(), dir + "/" + name, fs::copy_options::overwrite_existing, ec);
    kept += (kept.empty() ? "" : ", ") + (ec ? name + " (" + ec.message() + ")" : dir + "/" + name);
  }
  return kept;
}

}  // namespace dracpu::e2e
