// The runtime stand-in against a plugin built on our NRI stub, over a real unix socket: the
// handshake, CDI env, adjustments and updates, failures, paging, both NRI versions, timeouts,
// plugin and runtime restarts, and real cgroups where the machine allows them.

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "common/testing/temp_dir.h"
#include "driver/core/cdi.h"
#include "e2e/runtime_standin/runtime_standin.h"
#include "nri-plugin/stub/stub.h"
#include "nri-plugin/transport/mux_connection.h"
#include "nri-plugin/transport/mux_frame.h"
#include "nri-plugin/transport/unix_socket.h"

namespace dracpu::standin {
namespace {

using namespace std::chrono_literals;
using nri::PluginHandlers;
using nri::Stub;
using nri::StubOptions;
using testing::TempDir;

const char kUid[] = "5e1f2a9c-0000-4000-8000-00000000c1a1";

std::string EnvValue(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& e : env) {
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  }
  return "<unset>";
}

// Pins a container to the value of its PIN variable and shrinks every other container to SHARED
// in the same response; fails containers carrying FAIL; puts everything on SYNC at Synchronize.
class PinPlugin : public PluginHandlers {
 public:
  StatusOr<std::vector<api::ContainerUpdate>> Synchronize(
      const api::SynchronizeRequest& all) override {
    synced_containers = all.containers_size();
    std::vector<api::ContainerUpdate> updates;
    for (const api::Container& c : all.containers()) {
      api::ContainerUpdate& u = updates.emplace_back();
      u.set_container_id(c.id());
      u.mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(sync_cpus);
    }
    return updates;
  }
  StatusOr<api::CreateContainerResponse> CreateContainer(const api::PodSandbox&,
                                                         const api::Container& ctr) override {
    std::this_thread::sleep_for(create_delay.load() * 1ms);
    api::CreateContainerResponse resp;
    std::string pin = EnvValue({ctr.env().begin(), ctr.env().end()}, "PIN");
    if (EnvValue({ctr.env().begin(), ctr.env().end()}, "FAIL") != "<unset>") {
      return Status::PermissionDenied("container " + ctr.name() + " refused");
    }
    if (pin != "<unset>") {
      resp.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(pin);
      std::lock_guard<std::mutex> lock(mu);
      for (const std::string& other : known) {
        api::ContainerUpdate* u = resp.add_update();
        u->set_container_id(other);
        u->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(shared_cpus);
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    known.push_back(ctr.id());
    return resp;
  }
  Status RemoveContainer(const api::PodSandbox&, const api::Container& ctr) override {
    removed++;
    return Status::OK();
  }
  Status RunPodSandbox(const api::PodSandbox&) override {
    pods_run++;
    return Status::OK();
  }

  std::mutex mu;
  std::vector<std::string> known;
  std::string shared_cpus = "0";
  std::string sync_cpus = "0-1";
  std::atomic<int> create_delay{0};
  std::atomic<int> synced_containers{-1}, removed{0}, pods_run{0};
};

struct Rig {
  explicit Rig(RuntimeProfile profile = ProfileNri012(), size_t page_bytes = 4u << 20,
               std::string cgroup_root = "") {
    RuntimeOptions o;
    o.socket_path = dir.Sub("nri.sock");
    o.cdi_dirs = {dir.Sub("cdi")};
    o.profile = profile;
    o.sync_page_bytes = page_bytes;
    o.request_timeout = 500ms;
    o.cgroup_root = cgroup_root;
    StatusOr<std::unique_ptr<RuntimeStandin>> r = RuntimeStandin::Start(o);
    if (!r.ok())
      start_error = r.status();
    else
      rt = std::move(*r);
    stub_opts.socket_path = o.socket_path;
    stub_opts.min_backoff = 20ms;
    stub_opts.max_backoff = 100ms;
  }
  void StartPlugin() {
    stub = std::make_unique<Stub>(stub_opts, &plugin);
    REQUIRE(stub->Start().ok());
  }
  StatusOr<std::string> Pod(const std::string& name) {
    PodSpec spec;
    spec.name = name;
    spec.uid = "uid-" + name;
    return rt->RunPod(spec);
  }
  std::string Cpus(const std::string& id) { return rt->GetContainer(id)->cpus; }

  TempDir dir;
  Status start_error;
  std::unique_ptr<RuntimeStandin> rt;
  PinPlugin plugin;
  StubOptions stub_opts;
  std::unique_ptr<Stub> stub;
};

TEST_CASE("handshake, CDI env, adjustment and solicited updates") {
  Rig rig;
  REQUIRE(rig.rt);
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  CHECK(rig.rt->plugin_pid() == getpid());
  CHECK(rig.rt->plugin_events() == rig.stub->events());

  StatusOr<std::string> pod = rig.Pod("a");
  REQUIRE(pod.ok());
  CHECK(rig.plugin.pods_run == 1);
  StatusOr<std::string> shared = rig.rt->CreateContainer(*pod, "shared", {"A=1"});
  REQUIRE(shared.ok());
  CHECK(rig.Cpus(*shared) == "");

  // The pod sets the variable itself; the CDI spec's value replaces it in place.
  REQUIRE(cdi::WriteSpec(rig.dir.Sub("cdi"), kUid, *CpuSet::Parse("2-3")).ok());
  const std::string var = std::string("DRA_CPUSET_") + kUid;
  StatusOr<std::string> pinned =
      rig.rt->CreateContainer(*pod, "pinned", {var + "=0-63", "PIN=2-3"}, {cdi::DeviceId(kUid)});
  REQUIRE(pinned.ok());
  StatusOr<ContainerView> v = rig.rt->GetContainer(*pinned);
  REQUIRE(v.ok());
  CHECK(v->env == std::vector<std::string>{var + "=2-3", "PIN=2-3"});
  CHECK(v->cpus == "2-3");
  CHECK(v->state == api::CONTAINER_CREATED);
  CHECK(rig.Cpus(*shared) == "0");  // shrunk in the same response

  // An unknown CDI device fails creation before the plugin is asked.
  StatusOr<std::string> unknown =
      rig.rt->CreateContainer(*pod, "x", {}, {"dra.k8s.io/cpu=claim-missing"});
  CHECK(unknown.status().IsNotFound());
  // The plugin's refusal fails creation with its message; nothing is recorded.
  StatusOr<std::string> refused = rig.rt->CreateContainer(*pod, "bad", {"FAIL=1"});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("container bad refused") != std::string::npos);
  CHECK(rig.rt->Containers().size() == 2);

  REQUIRE(rig.rt->StartContainer(*pinned).ok());
  CHECK(rig.rt->GetContainer(*pinned)->state == api::CONTAINER_RUNNING);
  REQUIRE(rig.rt->RemovePod(*pod).ok());
  CHECK(rig.rt->Containers().empty());
  CHECK(rig.plugin.removed == 2);
  CHECK(rig.rt->HookLatency("CreateContainer").count == 3);
  CHECK(rig.rt->HookLatency("RemoveContainer").count == 2);  // dedicated RPC on v0.12
  CHECK(rig.rt->HookLatency("StateChange").count == 0);
  StatusOr<std::chrono::nanoseconds> rtt = rig.rt->PingPlugin();
  REQUIRE(rtt.ok());
  CHECK(rtt->count() > 0);
}

TEST_CASE("NRI v0.6 delivers pod events and RemoveContainer as StateChange") {
  Rig rig(ProfileNri06());
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  StatusOr<std::string> pod = rig.Pod("a");
  REQUIRE(pod.ok());
  StatusOr<std::string> c = rig.rt->CreateContainer(*pod, "c", {});
  REQUIRE(c.ok());
  REQUIRE(rig.rt->RemoveContainer(*c).ok());
  CHECK(rig.plugin.pods_run == 1);
  CHECK(rig.plugin.removed == 1);
  CHECK(rig.rt->HookLatency("StateChange").count == 2);
  CHECK(rig.rt->HookLatency("RemoveContainer").count == 0);
}

TEST_CASE("Synchronize is paged and its updates reach containers made before the plugin") {
  Rig rig(ProfileNri012(), 2048);
  StatusOr<std::string> pod = rig.Pod("a");
  REQUIRE(pod.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    StatusOr<std::string> c =
        rig.rt->CreateContainer(*pod, "c" + std::to_string(i), {"I=" + std::to_string(i)});
    REQUIRE(c.ok());
    ids.push_back(*c);
  }
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  CHECK(rig.plugin.synced_containers == 200);
  CHECK(rig.rt->HookLatency("Synchronize").count >= 3);  // several pages
  for (const std::string& id : ids) CHECK(rig.Cpus(id) == "0-1");

  // NRI v0.6 cannot page: the plugin is refused rather than half-synchronized.
  Rig old(ProfileNri06(), 2048);
  StatusOr<std::string> p2 = old.Pod("b");
  for (int i = 0; i < 200; ++i)
    REQUIRE(old.rt->CreateContainer(*p2, "c" + std::to_string(i), {}).ok());
  old.StartPlugin();
  CHECK_FALSE(old.rt->WaitForPlugin(1s).ok());
}

TEST_CASE("unsolicited updates are applied, unknown containers come back failed") {
  Rig rig;
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  StatusOr<std::string> pod = rig.Pod("a");
  StatusOr<std::string> c = rig.rt->CreateContainer(*pod, "c", {});
  REQUIRE(c.ok());
  std::vector<api::ContainerUpdate> updates(2);
  updates[0].set_container_id(*c);
  updates[0].mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("1");
  updates[1].set_container_id("gone");
  updates[1].mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("1");
  StatusOr<std::vector<api::ContainerUpdate>> failed = rig.stub->UpdateContainers(updates);
  REQUIRE(failed.ok());
  REQUIRE(failed->size() == 1);
  CHECK(failed->at(0).container_id() == "gone");
  CHECK(rig.Cpus(*c) == "1");
  CHECK(rig.rt->unsolicited_updates() == 1);
}

TEST_CASE("a hook past the request timeout closes the plugin, creation goes on without it") {
  Rig rig;
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  StatusOr<std::string> pod = rig.Pod("a");
  rig.plugin.create_delay = 800;  // request timeout is 500 ms
  StatusOr<std::string> c = rig.rt->CreateContainer(*pod, "slow", {"PIN=1"});
  REQUIRE(c.ok());
  CHECK(rig.Cpus(*c) == "");
  CHECK_FALSE(rig.rt->plugin_connected());
  rig.plugin.create_delay = 0;
  // The stub reconnects and the new connection synchronizes the container.
  REQUIRE(rig.rt->WaitForPlugin(10s, 2).ok());
  CHECK(rig.Cpus(*c) == "0-1");
}

TEST_CASE("plugin restart and runtime restart both end in a fresh Synchronize") {
  Rig rig;
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  StatusOr<std::string> pod = rig.Pod("a");
  StatusOr<std::string> c = rig.rt->CreateContainer(*pod, "c", {"PIN=1"});
  REQUIRE(c.ok());
  REQUIRE(rig.rt->StartContainer(*c).ok());

  rig.plugin.sync_cpus = "1";
  rig.rt->DropPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s, 2).ok());
  CHECK(rig.plugin.synced_containers == 1);

  rig.plugin.sync_cpus = "0";
  REQUIRE(rig.rt->Restart().ok());
  REQUIRE(rig.rt->WaitForPlugin(10s, 3).ok());
  CHECK(rig.Cpus(*c) == "0");
  CHECK(rig.stub->disconnects() >= 2);
}

TEST_CASE("a plugin with an invalid identity is refused at RegisterPlugin") {
  Rig rig;
  StatusOr<ttrpc::UniqueFd> fd = ttrpc::ConnectUnix(rig.dir.Sub("nri.sock"));
  REQUIRE(fd.ok());
  ttrpc::MuxConnection conn(std::move(*fd));
  conn.AddServer(ttrpc::kPluginServiceConn);
  ttrpc::TtrpcClient& runtime = conn.AddClient(ttrpc::kRuntimeServiceConn);
  conn.Start();
  api::RegisterPluginRequest req;
  req.set_plugin_name("bad name");
  req.set_plugin_idx("00");
  api::Empty resp;
  Status s = runtime.CallTyped(kRuntimeService, "RegisterPlugin", req, &resp, 2s);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("bad name") != std::string::npos);
  CHECK(conn.WaitClosed(5s));  // the runtime hangs up
  CHECK(rig.rt->handshakes() == 0);
}

TEST_CASE("real cpuset cgroups follow the recorded cpusets") {
  const char* root = "/sys/fs/cgroup/cpuset";
  Rig rig(ProfileNri012(), 4u << 20, root);
  if (!rig.rt) {
    WARN("SKIPPED: real cgroups unavailable: " << rig.start_error.ToString());
    return;
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 2) {
    WARN("SKIPPED: needs 2 online CPUs, have " << ncpu);
    return;
  }
  rig.plugin.shared_cpus = "0";
  rig.StartPlugin();
  REQUIRE(rig.rt->WaitForPlugin(10s).ok());
  REQUIRE(rig.rt->cgroups_enabled());
  StatusOr<std::string> pod = rig.Pod("a");
  StatusOr<std::string> shared = rig.rt->CreateContainer(*pod, "shared", {});
  REQUIRE(shared.ok());
  StatusOr<CpuSet> before = rig.rt->RealAffinity(*shared);
  REQUIRE(before.ok());
  CHECK(before->Size() >= 2);
  StatusOr<std::string> pinned = rig.rt->CreateContainer(*pod, "pinned", {"PIN=1"});
  REQUIRE(pinned.ok());
  CHECK(rig.rt->RealAffinity(*pinned)->ToString() == "1");
  CHECK(rig.rt->RealAffinity(*shared)->ToString() == "0");
  REQUIRE(rig.rt->RemovePod(*pod).ok());
}

}  // namespace
}  // namespace dracpu::standin
