// DriverRig: one node for the driver's integration tests. The real dracpu-driver binary runs
// against the API server stand-in (in this process, on 127.0.0.1 port 0) and is driven by the
// kubelet stand-in, on a real machine's sysfs dump from ../shared/topologies (or a generated
// machine, or this host's /sys), with every path
// (kubelet root with plugins_registry/ and plugins/, state, CDI, proc with a boot id) in one
// temporary folder.
//
//   auto rig = DriverRig::Create({.fixture = "64amd64-4s2n4ca2co"});
//   REQUIRE((*rig)->StartDriver({"--cpu-device-mode=individual"}).ok());  // registered, published
//   auto claim = (*rig)->CreateClaim("c1", GroupedRequest(2));  // scheduled by the stand-in
//   auto outcomes = (*rig)->Prepare({*claim});
// Nothing here depends on a test framework, so benchmarks use it too.
//
// The kubelet side is in driver_rig_kubelet.cc.

#ifndef DRACPU_DRIVER_APP_TESTING_DRIVER_RIG_H_
#define DRACPU_DRIVER_APP_TESTING_DRIVER_RIG_H_

#include <cpprest/json.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/state_store.h"
#include "common/status.h"
#include "common/testing/topology_fixtures.h"
#include "driver/app/testing/driver_process.h"
#include "driver/kubelet/claim_preparer.h"

namespace dracpu::standin {
class ApiServerStandin;
}

namespace dracpu::testing {

struct RigOptions {
  // A fixture name, "host" or "generated:<shape>" (common/testing/topology_source.h).
  std::string fixture = "64amd64-4s2n4ca2co";
  std::string node = "node-a";
  std::string boot_id = "11111111-2222-3333-4444-555555555555";
  // The kubelet stand-in's deadline per NodePrepare/UnprepareResources call (the kubelet's is
  // 45 s) and its attempts when a call as a whole fails (kubelet_standin.h).
  std::chrono::milliseconds kubelet_call_timeout{45000};
  int kubelet_attempts = 3;
};

// spec.devices.requests[0] of a claim: "cpus" from DeviceClass dra.cpu.
web::json::value GroupedRequest(int cpus);      // capacity dra.cpu/cpu = cpus
web::json::value IndividualRequest(int count);  // count devices

class DriverRig {
 public:
  // Extracts the fixture and starts the API server stand-in with the Node and DeviceClass.
  static StatusOr<std::unique_ptr<DriverRig>> Create(RigOptions options = {});
  ~DriverRig();

  // Spawns the driver with the rig's paths plus `flags`, waits until the kubelet stand-in has
  // registered it and (when `wait_ready`) /healthz answers 200 (registered, slices published).
  Status StartDriver(const std::vector<std::string>& flags = {}, bool wait_ready = true);
  // SIGTERM; the exit code.
  StatusOr<int> StopDriver();
  void KillDriver();
  DriverProcess& driver() { return *driver_; }

  standin::ApiServerStandin& api() { return *api_; }
  std::vector<web::json::value> Slices();  // this node's ResourceSlices on the stand-in

  // Creates ResourceClaim ns/name with `request`, lets the stand-in schedule it to this node
  // for pod <name>-pod (uid pod-<name>), and returns the kubelet's reference to it.
  StatusOr<kubelet::ClaimRef> CreateClaim(const std::string& name, const web::json::value& request);

  StatusOr<std::map<std::string, kubelet::ClaimOutcome>> Prepare(
      const std::vector<kubelet::ClaimRef>& claims);
  StatusOr<std::map<std::string, std::string>> Unprepare(
      const std::vector<kubelet::ClaimRef>& claims);
  // Opens the health stream (NodeWatchResources) as the kubelet does and returns once
  // `messages` device lists arrived (their device counts), or the error that ended the stream
  // first. May run in its own thread while the test stops the driver.
  StatusOr<std::vector<size_t>> WatchHealth(int messages, std::chrono::milliseconds timeout);

  // GET http://127.0.0.1:<driver port><path>: {status, body}.
  StatusOr<std::pair<int, std::string>> HttpGet(const std::string& path);

  StatusOr<AllocationState> ReadState();
  Status SetBootId(const std::string& boot_id);

  const std::string& root() const { return root_; }
  std::string state_dir() const { return root_ + "/state"; }
  std::string cdi_dir() const { return root_ + "/cdi"; }
  std::string registry_dir() const { return root_ + "/kubelet/plugins_registry"; }
  std::string plugins_dir() const { return root_ + "/kubelet/plugins"; }
  std::string sys_root() const { return fixture_.sys_root; }
  const RigOptions& options() const { return options_; }

 private:
  explicit DriverRig(RigOptions options);
  Status Init();
  struct Kubelet;  // the kubelet stand-in and its registration (driver_rig_kubelet.cc)
  struct KubeletDeleter {
    void operator()(Kubelet* kubelet) const;
  };
  Status RegisterKubelet();

  RigOptions options_;
  ExtractedFixture fixture_;
  std::unique_ptr<TempDir> dir_;
  std::string root_;
  std::unique_ptr<standin::ApiServerStandin> api_;
  std::unique_ptr<DriverProcess> driver_;
  std::unique_ptr<Kubelet, KubeletDeleter> kubelet_;
  int http_port_ = 0;
  int starts_ = 0;
};

}  // namespace dracpu::testing

#endif  // DRACPU_DRIVER_APP_TESTING_DRIVER_RIG_H_
