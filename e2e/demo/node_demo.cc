// dracpu-node-demo: one simulated node, end to end, for `make demo`.
//
// Real binaries, real sockets, real files: the API server stand-in (also the scheduler) and the
// kubelet stand-in drive the real dracpu-driver (driver/app/testing/driver_rig.h); the runtime
// stand-in (e2e/runtime_standin) creates containers with the CDI edits the driver wrote and asks
// the real dracpu-nri, a separate process sharing only the state and CDI folders. It walks two
// claims through allocate -> prepare -> CDI -> container creation through NRI -> delete ->
// unprepare, tries a forged DRA_CPUSET_ env var, and checks the pool invariants at each step.
// Exit status 0 only if every check held.

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common/cpu_pools.h"
#include "common/cpuset.h"
#include "driver/app/testing/driver_rig.h"
#include "e2e/runtime_standin/child_process.h"
#include "e2e/runtime_standin/runtime_standin.h"

namespace dracpu {
namespace {

using namespace std::chrono_literals;

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << what << "\n";
  if (!ok) ++failures;
}

std::string CpusOf(standin::RuntimeStandin& rt, const std::string& id) {
  auto v = rt.GetContainer(id);
  return v.ok() ? v->cpus : "(" + v.status().ToString() + ")";
}

// Copies a log out of the node's temporary root, which is removed when the demo ends.
std::string KeepLog(const std::string& from, const std::string& logs_dir, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(logs_dir, ec);
  const std::string to = logs_dir + "/" + name;
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
  return ec ? from + " (could not copy: " + ec.message() + ")" : to;
}

struct DemoOptions {
  std::string fixture = "16em64t-4s2c2t";
  std::string logs_dir = "demo-logs";
  std::string mode = "grouped";       // --cpu-device-mode
  std::string group_by = "numanode";  // --group-by (grouped mode)
};

int Run(const DemoOptions& demo) {
  const std::string& fixture = demo.fixture;
  const std::string& logs_dir = demo.logs_dir;
  const bool individual = demo.mode == "individual";
  testing::RigOptions options;
  options.fixture = fixture;
  auto rig = testing::DriverRig::Create(options);
  if (!rig.ok()) {
    std::cerr << "cannot set up the node: " << rig.status() << "\n";
    return 1;
  }
  testing::DriverRig& node = **rig;
  std::cout << "node root: " << node.root() << " (topology " << fixture << ", "
            << (individual ? std::string("individual") : "grouped by " + demo.group_by) << ")\n";
  if (Status s = node.StartDriver(
          {"--cpu-device-mode=" + demo.mode, "--group-by=" + demo.group_by, "--reserved-cpus=0"});
      !s.ok()) {
    std::cerr << "dracpu-driver did not start: " << s << "\n";
    return 1;
  }
  std::cout << "dracpu-driver: registered with the kubelet stand-in, " << node.Slices().size()
            << " ResourceSlices published\n";

  standin::RuntimeOptions rt_options;
  rt_options.socket_path = node.root() + "/nri.sock";
  rt_options.cdi_dirs = {node.cdi_dir()};
  auto runtime = standin::RuntimeStandin::Start(rt_options);
  if (!runtime.ok()) {
    std::cerr << "runtime stand-in: " << runtime.status() << "\n";
    return 1;
  }
  standin::RuntimeStandin& rt = **runtime;
  const std::string nri_log = node.root() + "/dracpu-nri.log";
  standin::ChildProcess nri;
  Status started = nri.Start({std::string(DRACPU_BINARY_DIR) + "/nri-plugin/dracpu-nri",
                              "--nri-socket=" + rt_options.socket_path,
                              "--state-dir=" + node.state_dir(), "--http-port=0", "-v=1"},
                             nri_log);
  if (!started.ok() || !rt.WaitForPlugin(10s).ok()) {
    std::cerr << "dracpu-nri did not connect; see " << nri_log << "\n";
    return 1;
  }
  std::cout << "dracpu-nri: connected to the runtime stand-in\n\n";

  auto pools = [&]() -> StatusOr<CpuPools> {
    auto state = node.ReadState();
    if (!state.ok()) return state.status();
    return PoolsFromState(*state);
  };

  // A pod without claims: it lives in the shared pool throughout.
  auto web_pod = rt.RunPod({"web", "default", "uid-web"});
  auto web = rt.CreateContainer(*web_pod, "nginx", {"PATH=/bin"});
  Check(web.ok(), "shared container web/nginx created");
  const std::string shared_before = CpusOf(rt, *web);
  std::cout << "shared pool before: " << shared_before << "\n";

  // Two claims, allocated by the scheduler stand-in, prepared through the kubelet stand-in.
  std::map<std::string, std::string> containers;  // pod name -> container id
  std::map<std::string, kubelet::ClaimRef> claims;
  std::map<std::string, int> sizes = {{"dpdk", 4}, {"ml", 2}};
  for (const auto& [name, size] : sizes) {
    auto claim = node.CreateClaim(
        name, individual ? testing::IndividualRequest(size) : testing::GroupedRequest(size));
    if (!claim.ok()) {
      Check(false, "claim " + name + ": " + claim.status().ToString());
      continue;
    }
    claims[name] = *claim;
    auto outcome = node.Prepare({*claim});
    if (!outcome.ok() || !outcome->at(claim->uid).ok()) {
      Check(false,
            "prepare " + name + ": " +
                (outcome.ok() ? outcome->at(claim->uid).error : outcome.status().ToString()));
      continue;
    }
    std::vector<std::string> cdi_ids;
    for (const auto& d : outcome->at(claim->uid).devices) {
      cdi_ids.insert(cdi_ids.end(), d.cdi_device_ids.begin(), d.cdi_device_ids.end());
    }
    auto pod = rt.RunPod({name, "default", "pod-" + name});
    auto ctr = rt.CreateContainer(*pod, "app", {}, cdi_ids);
    Check(ctr.ok(), "claim container " + name + "/app created with " + cdi_ids.front());
    if (!ctr.ok()) continue;
    containers[name] = *ctr;
    auto cpus = CpuSet::Parse(CpusOf(rt, *ctr));
    Check(cpus.ok() && cpus->Size() == size,
          name + "/app got exactly " + std::to_string(size) + " CPUs: " + CpusOf(rt, *ctr));
  }

  // A pod that writes another pod's claim into its own env gets nothing.
  if (claims.count("dpdk") && containers.count("dpdk")) {
    auto evil_pod = rt.RunPod({"evil", "default", "uid-evil"});
    auto forged = rt.CreateContainer(
        *evil_pod, "thief",
        {"DRA_CPUSET_" + claims["dpdk"].uid + "=" + CpusOf(rt, containers["dpdk"])});
    Check(!forged.ok(), "forged DRA_CPUSET_ env refused: " +
                            (forged.ok() ? std::string("created!") : forged.status().message()));
  }

  auto p = pools();
  if (p.ok()) {
    CpuSet taken;
    bool disjoint = true;
    for (const auto& [name, id] : containers) {
      CpuSet c = *CpuSet::Parse(CpusOf(rt, id));
      disjoint &= !c.Intersects(taken);
      taken |= c;
    }
    Check(disjoint, "claim containers hold disjoint CPUs");
    Check(CpusOf(rt, *web) == p->shared.ToString(), "shared container on the shared pool " +
                                                        p->shared.ToString() +
                                                        " (online - reserved - exclusive)");
  } else {
    Check(false, "state file: " + p.status().ToString());
  }
  std::cout << "\nper container:\n";
  std::cout << "  web/nginx   " << CpusOf(rt, *web) << "\n";
  for (const auto& [name, id] : containers) {
    std::cout << "  " << name << "/app" << std::string(8 - std::min<size_t>(8, name.size()), ' ')
              << CpusOf(rt, id) << "   claim " << claims[name].uid << "\n";
  }

  // Delete the claim pods; the kubelet unprepares; the shared pool grows back.
  for (const auto& [name, id] : containers) {
    rt.StopContainer(id);
    rt.RemoveContainer(id);
  }
  for (const auto& [name, claim] : claims) {
    auto r = node.Unprepare({claim});
    Check(r.ok() && r->at(claim.uid).empty(), "unprepared " + name);
  }
  const auto t0 = std::chrono::steady_clock::now();
  bool grown = rt.WaitUntil([&] { return CpusOf(rt, *web) == shared_before; }, 5s);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  Check(grown,
        "shared container grew back to " + shared_before + " in " + std::to_string(ms) + " ms");
  std::cout << "shared pool after: " << CpusOf(rt, *web) << "\n\n";

  nri.Stop();
  auto stopped = node.StopDriver();
  Check(stopped.ok() && *stopped == 0, "dracpu-driver stopped cleanly on SIGTERM");
  std::cout << "logs: driver     "
            << KeepLog(node.driver().log_path(), logs_dir, "dracpu-driver.log")
            << "\n      nri-plugin " << KeepLog(nri_log, logs_dir, "dracpu-nri.log") << "\n";
  std::cout << (failures == 0 ? "demo: all checks passed\n" : "demo: FAILED checks\n");
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace dracpu

// dracpu-node-demo [FIXTURE [LOGS_DIR [individual | grouped [numanode|socket|machine]]]]:
// FIXTURE names a tree in ../shared/topologies.
int main(int argc, char** argv) {
  dracpu::DemoOptions demo;
  if (argc > 1) demo.fixture = argv[1];
  if (argc > 2) demo.logs_dir = argv[2];
  if (argc > 3) demo.mode = argv[3];
  if (argc > 4) demo.group_by = argv[4];
  return dracpu::Run(demo);
}
