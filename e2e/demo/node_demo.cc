// dracpu-node-demo: one simulated node, end to end, for `make demo`.
//
// A WholeNode (e2e/node/whole_node.h): the real dracpu-driver and dracpu-nri as two processes
// sharing only the state and CDI folders, with the API server (also the scheduler), kubelet
// and runtime stand-ins around them. The pods and claims are the YAML files of hack/examples/
// for the chosen device mode; each pod is walked through allocate -> prepare -> CDI -> container
// creation through NRI, a pod that forges another claim's DRA_CPUSET_ env var is refused, the
// invariants of design.md §4 are checked, and after the pods are deleted the shared pool must
// grow back. Exit status 0 only if every check held.

#include <glog/logging.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/apiserver/scheduler.h"
#include "e2e/node/whole_node.h"

namespace dracpu::e2e {
namespace {

using namespace std::chrono_literals;

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << what << "\n";
  if (!ok) ++failures;
}

struct DemoOptions {
  std::string topology = "16em64t-4s2c2t";
  std::string logs_dir = "demo-logs";
  std::string mode = "grouped";
  std::string group_by = "numanode";
  std::string reserved = "0";
};

// The example files for a device mode: individual-mode claims count devices, grouped-mode
// claims consume capacity of a group.
std::vector<std::string> ExampleFiles(const std::string& mode) {
  const std::string dir = std::string(DRACPU_SOURCE_DIR) + "/hack/examples/";
  if (mode == "individual") return {dir + "shared.yaml", dir + "individual.yaml"};
  return {dir + "shared.yaml", dir + "grouped.yaml", dir + "two-containers.yaml"};
}

StatusOr<Manifests> LoadExamples(const std::string& mode) {
  Manifests all;
  for (const std::string& path : ExampleFiles(mode)) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Status::IOError("cannot read " + path);
    StatusOr<Manifests> parsed = ParseManifests(text.str());
    if (!parsed.ok()) return parsed.status().Annotate(path);
    DRACPU_RETURN_IF_ERROR(MergeManifests(&all, std::move(*parsed)));
  }
  return all;
}

// The CPUs a claim asks for: a count of devices (individual) or dra.cpu/cpu capacity. -1 for a
// spec this demo does not understand (firstAvailable, a bad quantity): its check then fails
// visibly instead of the demo stopping on an exception.
int RequestedCpus(const web::json::value& spec) {
  try {
    int cpus = 0;
    for (const auto& request : spec.at("devices").at("requests").as_array()) {
      const auto& exactly = request.at("exactly");
      if (exactly.has_field("capacity")) {
        StatusOr<int64_t> milli = standin::ParseQuantityMilli(
            exactly.at("capacity").at("requests").at("dra.cpu/cpu").as_string());
        if (!milli.ok() || *milli % 1000 != 0) return -1;
        cpus += static_cast<int>(*milli / 1000);
      } else {
        cpus += exactly.has_field("count") ? exactly.at("count").as_integer() : 1;
      }
    }
    return cpus;
  } catch (const web::json::json_exception&) {
    return -1;
  }
}

// The CPUs a pod's claims ask for together (claims that are neither templates nor standalone
// claims of the examples count zero: the pod then fails visibly).
int PodDemand(const Manifests& m, const PodManifest& pod) {
  int cpus = 0;
  for (const PodClaimManifest& c : pod.claims) {
    for (const auto* list : {&m.templates, &m.claims}) {
      for (const ClaimSpecManifest& spec : *list) {
        const std::string& name = list == &m.templates ? c.template_name : c.claim_name;
        if (spec.name == name && spec.ns == pod.ns) cpus += RequestedCpus(spec.spec);
      }
    }
  }
  return cpus;
}

// Runs one example pod and checks that each of its claims holds exactly what it asked for.
bool RunExample(WholeNode& node, const PodManifest& pod) {
  auto run = node.RunPod(pod.name);
  if (!run.ok()) {
    Check(false, "pod " + pod.name + ": " + run.status().ToString());
    return false;
  }
  std::string why;
  for (const auto& [claim, error] : run->claim_errors) why += " claim " + claim + ": " + error;
  Check(run->ok(), "pod " + pod.name + " running" + why);
  for (const kubelet::ClaimRef& claim : run->claims) {
    auto object = node.cluster().api().store().Get("resourceclaims", claim.namespace_, claim.name);
    auto state = node.ReadState();
    std::string held = "(not prepared)";
    int got = -1;
    if (state.ok() && state->claims().count(claim.uid)) {
      held = state->claims().at(claim.uid).cpus();
      auto cpus = CpuSet::Parse(held);
      got = cpus.ok() ? static_cast<int>(cpus->Size()) : -1;
    }
    const int want = object.ok() ? RequestedCpus(object->at("spec")) : -2;
    Check(got == want,
          "claim " + claim.name + " holds exactly " + std::to_string(want) + " CPUs: " + held);
  }
  return run->ok();
}

// A pod whose claim asks for one CPU, in the form the device mode publishes.
std::string OneCpuPod(const std::string& mode) {
  const std::string request =
      mode == "individual" ? "count: 1" : "capacity: {requests: {dra.cpu/cpu: \"1\"}}";
  return "apiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\n"
         "metadata: {name: one-cpu, namespace: default}\n"
         "spec: {spec: {devices: {requests: [{name: cpus, exactly: {deviceClassName: dra.cpu, " +
         request +
         "}}]}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: pinned-one, namespace: "
         "default}\nspec:\n  resourceClaims: [{name: cpus, resourceClaimTemplateName: one-cpu}]\n"
         "  containers: [{name: app, resources: {claims: [{name: cpus}]}}]\n";
}

void PrintContainer(const std::string& pod, const ContainerRun& c, const std::string& cpus) {
  std::cout << "  " << pod << "/" << c.name
            << std::string(24 - std::min<size_t>(23, pod.size() + c.name.size()), ' ')
            << (c.id.empty() ? "refused: " + c.error : cpus);
  for (const std::string& uid : c.claim_uids) std::cout << "   claim " << uid;
  std::cout << "\n";
}

int Run(const DemoOptions& demo) {
  NodeOptions options;
  options.topology = demo.topology;
  options.device_mode = demo.mode;
  options.group_by = demo.group_by;
  options.reserved_cpus = demo.reserved;
  options.real_cgroups = true;  // used with TOPOLOGY=host only
  auto started = WholeNode::Start(options);
  if (!started.ok()) {
    std::cerr << "cannot start the node: " << started.status() << "\n";
    return 1;
  }
  WholeNode& node = **started;
  std::cout << "node root: " << node.cluster().root() << " (topology " << demo.topology << ", "
            << (demo.mode == "individual" ? std::string("individual")
                                          : "grouped by " + demo.group_by)
            << ")\n";
  std::cout << "dracpu-driver: registered with the kubelet stand-in, "
            << node.cluster().Slices().size() << " ResourceSlices published\n";
  std::cout << "dracpu-nri: connected to the runtime stand-in\n";
  std::cout << (node.kernel_checked()
                    ? "containers: real cpuset cgroups; the kernel's affinity is checked too\n\n"
                    : "containers: recorded cpusets (real cgroups with TOPOLOGY=host as root)\n\n");

  auto manifests = LoadExamples(demo.mode);
  if (!manifests.ok() || !node.Apply(*manifests).ok()) {
    std::cerr << "examples: " << manifests.status() << "\n";
    return 1;
  }
  auto pools_before = node.Pools();
  const std::string shared_before = pools_before.ok() ? pools_before->shared.ToString() : "?";
  std::cout << "shared pool before: " << shared_before << "\n";

  int pinned = 0;
  for (const PodManifest& pod : manifests->pods) {
    // A small machine (TOPOLOGY=host on a laptop) cannot hold every example; the shared pool
    // always keeps one CPU.
    auto pools = node.Pools();
    const int free_cpus = pools.ok() ? static_cast<int>(pools->shared.Size()) - 1 : 0;
    if (PodDemand(*manifests, pod) > free_cpus) {
      std::cout << "  skip  pod " << pod.name << ": its claims need " << PodDemand(*manifests, pod)
                << " CPUs, this node has " << free_cpus << " to give\n";
      continue;
    }
    pinned += RunExample(node, pod) && !pod.claims.empty();
  }
  auto pools = node.Pools();
  if (pinned == 0 && pools.ok() && pools->shared.Size() > 1) {
    // None of the examples fit: one CPU is still worth showing.
    std::cout << "  the examples do not fit this node; a pod with a one-CPU claim instead\n";
    auto one = ParseManifests(OneCpuPod(demo.mode));
    if (one.ok() && node.Apply(*one).ok()) RunExample(node, one->pods.front());
  }

  // A pod that writes another pod's claim into its own env gets nothing.
  const ContainerRun* victim = nullptr;  // a running claim container
  for (const auto& [name, run] : node.pods()) {
    for (const ContainerRun& c : run.containers) {
      if (!c.id.empty() && !c.claim_uids.empty()) victim = &c;
    }
  }
  if (victim != nullptr) {
    const ContainerRun& target = *victim;
    auto run = node.RunPod(PodWithEnv(
        "thief", "steal", {"DRA_CPUSET_" + target.claim_uids.front() + "=" + target.cpus}));
    Check(run.ok() && !run->containers.front().error.empty(),
          "forged DRA_CPUSET_" + target.claim_uids.front() +
              " refused: " + (run.ok() ? run->containers.front().error : run.status().ToString()));
  }

  Status invariants = node.WaitForInvariants(5s);
  Check(invariants.ok(),
        "claims disjoint, shared pool = online - reserved - exclusive, every "
        "container on its expected CPUs" +
            (invariants.ok() ? "" : ": " + invariants.ToString()));
  std::cout << "\nper container:\n";
  for (const auto& [name, run] : node.pods()) {
    for (const ContainerRun& c : run.containers) PrintContainer(name, c, node.CpusOf(c.id));
  }
  auto during = node.Pools();
  std::cout << "shared pool now: " << (during.ok() ? during->shared.ToString() : "?") << "\n\n";

  // Delete the pods; the kubelet unprepares; the shared pool grows back.
  std::vector<std::string> names;
  for (const auto& [name, run] : node.pods()) names.push_back(name);
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& name : names) {
    if (name == "web") continue;
    Status deleted = node.DeletePod(name);
    Check(deleted.ok(), "pod " + name + " deleted, its claims unprepared" +
                            (deleted.ok() ? "" : ": " + deleted.ToString()));
  }
  invariants = node.WaitForInvariants(5s);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const ContainerRun* web =
      node.pods().count("web") ? node.pods().at("web").container("nginx") : nullptr;
  Check(invariants.ok() && web != nullptr && node.CpusOf(web->id) == shared_before,
        "shared pool grew back to " + shared_before + " within " + std::to_string(ms) + " ms");
  std::cout << "shared pool after: " << (web ? node.CpusOf(web->id) : "?") << "\n\n";

  Check(node.StopDriver(false).ok(), "dracpu-driver stopped cleanly on SIGTERM");
  std::cout << "logs: " << node.KeepLogs(demo.logs_dir) << "\n      stand-ins " << demo.logs_dir
            << "/standins.INFO\n";
  std::cout << (failures == 0 ? "demo: all checks passed\n" : "demo: FAILED checks\n");
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace dracpu::e2e

// dracpu-node-demo [TOPOLOGY [LOGS_DIR [individual | grouped [numanode|socket|machine
//                  [RESERVED_CPUS]]]]]:
// TOPOLOGY names a tree in ../shared/topologies, "host" or "generated:<shape>".
int main(int argc, char** argv) {
  dracpu::e2e::DemoOptions demo;
  if (argc > 1) demo.topology = argv[1];
  if (argc > 2) demo.logs_dir = argv[2];
  if (argc > 3) demo.mode = argv[3];
  if (argc > 4) demo.group_by = argv[4];
  if (argc > 5) demo.reserved = argv[5];
  // The stand-ins log into a file beside the binaries' logs, so the terminal shows the story.
  std::filesystem::create_directories(demo.logs_dir);
  FLAGS_log_dir = demo.logs_dir;
  FLAGS_logtostderr = false;
  FLAGS_stderrthreshold = google::GLOG_ERROR;
  google::InitGoogleLogging("standins");
  return dracpu::e2e::Run(demo);
}
