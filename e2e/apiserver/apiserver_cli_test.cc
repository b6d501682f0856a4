// The apiserver-standin binary as the e2e rig uses it: start it, read its port from stdout,
// drive it with KubeClient (grouped-mode slice, DeviceClass, claim), let it schedule the claim
// through POST /standin/allocate, inject a fault over HTTP, and stop it with SIGTERM.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "driver/kube/kube_client.h"

namespace dracpu {
namespace {

using kube::Json;

Json Parse(const std::string& text) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

struct Child {
  pid_t pid = -1;
  int port = 0;
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

void StartStandin(Child* child) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  child->pid = fork();
  REQUIRE(child->pid >= 0);
  if (child->pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    const std::string bin = std::string(DRACPU_BINARY_DIR) + "/e2e/apiserver/apiserver-standin";
    execl(bin.c_str(), bin.c_str(), "--bookmark-interval-ms", "200", nullptr);
    _exit(127);
  }
  close(fds[1]);
  FILE* out = fdopen(fds[0], "r");
  REQUIRE(out != nullptr);
  char line[256];
  while (fgets(line, sizeof(line), out)) {
    if (std::sscanf(line, "PORT %d", &child->port) == 1) break;
  }
  fclose(out);
  REQUIRE(child->port > 0);
}

TEST_CASE("apiserver-standin binary: schedule a grouped claim, inject a fault, stop",
          "[standin][integration]") {
  Child child;
  StartStandin(&child);
  kube::ClusterConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(child.port);
  kube::KubeClient::Options options;
  options.timeout = std::chrono::milliseconds(3000);
  auto made = kube::KubeClient::Create(cfg, options);
  REQUIRE(made.ok());
  auto& c = **made;
  const std::string group = "/apis/resource.k8s.io/v1";

  REQUIRE(c.Create(group + "/deviceclasses", Parse(R"({"metadata": {"name": "dra.cpu"},
      "spec": {"selectors": [{"cel": {"expression": "device.driver == \"dra.cpu\""}}]}})"))
              .ok());
  REQUIRE(c.CreateResourceSlice(Parse(R"({"metadata": {"generateName": "00000-dra.cpu-node-a-"},
      "spec": {"driver": "dra.cpu", "nodeName": "node-a",
      "pool": {"name": "node-a", "generation": 1, "resourceSliceCount": 1},
      "devices": [{"name": "cpudevnuma000", "allowMultipleAllocations": true,
        "attributes": {"dra.cpu/numCPUs": {"int": 30}},
        "capacity": {"dra.cpu/cpu": {"value": "30"}}}]}})"))
              .ok());
  REQUIRE(c.Create(c.paths().ResourceClaims("default"), Parse(R"({"metadata": {"name": "c1"},
      "spec": {"devices": {"requests": [{"name": "cpus", "exactly": {
        "deviceClassName": "dra.cpu", "capacity": {"requests": {"dra.cpu/cpu": "4"}}}}]}}})"))
              .ok());

  Json empty = Json::object();
  auto allocated = c.Call("POST", "/standin/allocate",
                          "namespace=default&name=c1&pod=pod1&podUID=pod-uid-1", &empty, {});
  REQUIRE(allocated.ok());
  auto claim = c.GetResourceClaim("default", "c1");
  REQUIRE(claim.ok());
  const Json& result = claim->at("status").at("allocation").at("devices").at("results").at(0);
  CHECK(result.at("device").as_string() == "cpudevnuma000");
  CHECK(result.at("pool").as_string() == "node-a");
  CHECK(result.at("consumedCapacity").at("dra.cpu/cpu").as_string() == "4");
  CHECK(claim->at("status").at("reservedFor").at(0).at("uid").as_string() == "pod-uid-1");

  auto missing = c.Call("POST", "/standin/allocate", "namespace=default&name=nope", &empty, {});
  CHECK(missing.status().IsNotFound());

  // One injected 500: the client retries and still succeeds.
  const Json fault = Parse(R"({"failNext": 1})");
  REQUIRE(c.Call("POST", "/standin/faults", "", &fault, {}).ok());
  CHECK(c.GetResourceClaim("default", "c1").ok());

  REQUIRE(kill(child.pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(child.pid, &status, 0) == child.pid);
  child.pid = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace dracpu
