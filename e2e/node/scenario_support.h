// Shared set-up of the whole-node scenario tests (Catch2): a started node, YAML applied, and
// the checks every scenario repeats.

#ifndef DRACPU_E2E_NODE_SCENARIO_SUPPORT_H_
#define DRACPU_E2E_NODE_SCENARIO_SUPPORT_H_

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e/apiserver/apiserver_standin.h"
#include "e2e/node/whole_node.h"

namespace dracpu::e2e {

inline constexpr std::chrono::milliseconds kSettle{10000};

// A started node; the test fails here when the node cannot start.
inline std::unique_ptr<WholeNode> StartNode(NodeOptions options = {}) {
  auto node = WholeNode::Start(std::move(options));
  INFO((node.ok() ? std::string() : node.status().ToString()));
  REQUIRE(node.ok());
  return std::move(*node);
}

inline void ApplyYaml(WholeNode& node, const std::string& yaml) {
  auto manifests = ParseManifests(yaml);
  INFO((manifests.ok() ? std::string() : manifests.status().ToString()));
  REQUIRE(manifests.ok());
  Status applied = node.Apply(*manifests);
  INFO(applied.ToString());
  REQUIRE(applied.ok());
}

// RunPod that must not break the rig (refusals are in the PodRun).
inline PodRun Run(WholeNode& node, const std::string& pod) {
  auto run = node.RunPod(pod);
  INFO(pod << ": " << (run.ok() ? std::string() : run.status().ToString()));
  REQUIRE(run.ok());
  return *run;
}

// The node's invariants hold (after the asynchronous pool updates settle).
inline void RequireInvariants(WholeNode& node) {
  Status s = node.WaitForInvariants(kSettle);
  INFO(s.ToString() << "\nnri-plugin log: " << node.nri_log());
  REQUIRE(s.ok());
}

// The CPUs a claim holds in the state file ("" when it is not there).
inline std::string ClaimCpus(WholeNode& node, const std::string& uid) {
  auto state = node.ReadState();
  if (!state.ok()) return "";
  auto it = state->claims().find(uid);
  return it == state->claims().end() ? "" : it->second.cpus();
}

// A ResourceClaimTemplate "<name>" asking for `cpus` CPUs of a group (grouped mode).
inline std::string GroupedTemplate(const std::string& name, int cpus) {
  return "apiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {name: " + name +
         ", namespace: default}\nspec:\n  spec:\n    devices:\n      requests:\n"
         "      - name: cpus\n        exactly:\n          deviceClassName: dra.cpu\n"
         "          capacity: {requests: {dra.cpu/cpu: \"" +
         std::to_string(cpus) + "\"}}\n";
}

// A pod `name` with one container `container` and no claims: it lives in the shared pool.
// Every document starts with "---", so these concatenate with each other and with templates.
inline std::string SharedPodYaml(const std::string& name, const std::string& container = "nginx") {
  return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         ", namespace: default}\nspec:\n  containers:\n  - name: " + container + "\n";
}

// A pod `name` whose container `container` uses pod claim "cpus" made from `template_name`,
// next to a container `shared_container` without claims when that is not empty.
inline std::string ClaimPodYaml(const std::string& name, const std::string& template_name,
                                const std::string& container = "app",
                                const std::string& shared_container = "") {
  return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         ", namespace: default}\nspec:\n  resourceClaims:\n  - {name: cpus, "
         "resourceClaimTemplateName: " +
         template_name + "}\n  containers:\n  - name: " + container +
         "\n    resources: {claims: [{name: cpus}]}\n" +
         (shared_container.empty() ? "" : "  - name: " + shared_container + "\n");
}

// A pod `name` with `count` pod claims c0, c1, ... made from `template_name`, each used by its
// own container w0, w1, ...: the kubelet prepares and unprepares them in one batch.
inline std::string ManyClaimsPodYaml(const std::string& name, const std::string& template_name,
                                     int count) {
  std::string claims, containers;
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    claims += "  - {name: c" + n + ", resourceClaimTemplateName: " + template_name + "}\n";
    containers += "  - {name: w" + n + ", resources: {claims: [{name: c" + n + "}]}}\n";
  }
  return "---\napiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
         ", namespace: default}\nspec:\n  resourceClaims:\n" + claims + "  containers:\n" +
         containers;
}

// How many GETs of claim `name` the API server stand-in has seen.
inline int ClaimGets(WholeNode& node, const std::string& name) {
  int n = 0;
  for (const std::string& line : node.cluster().api().RequestLog()) {
    if (line.rfind("GET ", 0) == 0 && line.find("/resourceclaims/" + name) != std::string::npos) {
      ++n;
    }
  }
  return n;
}

// What this node publishes, independent of slice names (a recreated slice gets a new
// generated name): the sorted device names over all of its slices.
inline std::vector<std::string> PublishedDevices(WholeNode& node) {
  std::vector<std::string> devices;
  for (const auto& slice : node.cluster().Slices()) {
    for (const auto& device : slice.at("spec").at("devices").as_array()) {
      devices.push_back(device.at("name").as_string());
    }
  }
  std::sort(devices.begin(), devices.end());
  return devices;
}

inline bool WaitForDevices(WholeNode& node, const std::vector<std::string>& want,
                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (PublishedDevices(node) != want) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_SCENARIO_SUPPORT_H_
