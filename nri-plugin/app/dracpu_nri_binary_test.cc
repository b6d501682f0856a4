// The real dracpu-nri binary, started with flags only (temp paths, port 0), against a minimal
// runtime on our transport: registration, subscription, Synchronize, pin and refuse, the push
// after an unprepare, /healthz, and a clean stop on SIGTERM. The e2e rig (e2e/) covers the
// rest with a full runtime stand-in.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "common/testing/temp_dir.h"
#include "nri-plugin/app/testing/app_fixtures.h"
#include "nri-plugin/stub/plugin_service.h"
#include "nri-plugin/transport/mux_connection.h"
#include "nri-plugin/transport/unix_socket.h"

namespace dracpu::nri {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::MakeContainer;
using testing::MakePod;
using testing::WriteState;

// Serves the Runtime service (register, record pushed updates) and calls the plugin.
class MiniRuntime {
 public:
  explicit MiniRuntime(ttrpc::UniqueFd fd) : conn_(std::move(fd)) {
    ttrpc::TtrpcServer& runtime = conn_.AddServer(ttrpc::kRuntimeServiceConn);
    plugin_ = &conn_.AddClient(ttrpc::kPluginServiceConn);
    runtime.RegisterTyped<api::RegisterPluginRequest, api::Empty>(
        kRuntimeService, "RegisterPlugin",
        [this](const api::RegisterPluginRequest& r, const ttrpc::CallContext&) {
          Record("registered " + r.plugin_idx() + "-" + r.plugin_name());
          return StatusOr<api::Empty>(api::Empty());
        });
    runtime.RegisterTyped<api::UpdateContainersRequest, api::UpdateContainersResponse>(
        kRuntimeService, "UpdateContainers",
        [this](const api::UpdateContainersRequest& r, const ttrpc::CallContext&) {
          for (const api::ContainerUpdate& u : r.update()) {
            Record("update " + u.container_id() + "=" + u.linux().resources().cpu().cpus());
          }
          return StatusOr<api::UpdateContainersResponse>(api::UpdateContainersResponse());
        });
    conn_.Start();
  }
  template <typename Req, typename Resp>
  Status Call(const char* method, const Req& req, Resp* resp) {
    return plugin_->CallTyped(kPluginService, method, req, resp, 2s);
  }
  bool WaitFor(const std::string& line, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout,
                        [&] { return std::find(seen_.begin(), seen_.end(), line) != seen_.end(); });
  }

 private:
  void Record(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(line);
    cv_.notify_all();
  }
  ttrpc::MuxConnection conn_;
  ttrpc::TtrpcClient* plugin_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

pid_t StartPlugin(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    static std::string binary = DRACPU_BINARY_DIR "/nri-plugin/dracpu-nri";
    argv.push_back(binary.data());
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    FILE* f = freopen(log.c_str(), "w", stderr);
    (void)f;
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The /healthz status code on 127.0.0.1:port, or -1.
int Healthz(int port) {
  std::string r = testing::HttpExchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  return r.size() > 12 ? std::atoi(r.substr(9, 3).c_str()) : -1;
}

TEST_CASE("dracpu-nri pins, refuses, synchronizes and grows the shared pool back") {
  dracpu::testing::TempDir dir;
  const std::string state = dir.Sub("state");
  const std::string socket = dir.Sub("nri.sock");
  const std::string log = dir.Sub("plugin.log");
  REQUIRE(WriteState(state, "0-7", "0", {{"c1", "4-5", {"p1"}}}).ok());
  StatusOr<ttrpc::UniqueFd> listener = ttrpc::ListenUnix(socket);
  REQUIRE(listener.ok());

  pid_t pid = StartPlugin({"--nri-socket=" + socket, "--state-dir=" + state, "--http-port=0",
                           "--plugin-index=10", "-v=1"},
                          log);
  REQUIRE(pid > 0);
  StatusOr<ttrpc::UniqueFd> fd = ttrpc::AcceptUnix(listener->get(), 10s);
  REQUIRE(fd.ok());
  MiniRuntime runtime(std::move(*fd));
  REQUIRE(runtime.WaitFor("registered 10-dracpu", 5s));

  api::ConfigureRequest configure;
  configure.set_runtime_name("mini");
  api::ConfigureResponse configured;
  REQUIRE(runtime.Call("Configure", configure, &configured).ok());
  CHECK(configured.events() == 0x688);

  api::PodSandbox p0 = MakePod("p0");
  api::PodSandbox p1 = MakePod("p1");
  api::SynchronizeRequest sync;
  *sync.add_pods() = p0;
  *sync.add_containers() = MakeContainer(p0, "shared", {}, "0-7");
  api::SynchronizeResponse synced;
  REQUIRE(runtime.Call("Synchronize", sync, &synced).ok());
  REQUIRE(synced.update_size() == 1);
  CHECK(synced.update(0).linux().resources().cpu().cpus() == "1-3,6-7");

  std::smatch m;
  const std::string text = ReadFile(log);
  REQUIRE(std::regex_search(
      text, m, std::regex("serving /healthz and /metrics on http://[0-9.]+:([0-9]+)")));
  const int port = std::stoi(m[1]);
  // The stub marks itself registered when the RegisterPlugin reply reaches its session thread,
  // which may trail the Configure and Synchronize its dispatch thread already answered.
  int healthz = Healthz(port);
  for (int i = 0; i < 100 && healthz != 200; ++i) {
    std::this_thread::sleep_for(50ms);
    healthz = Healthz(port);
  }
  CHECK(healthz == 200);

  api::CreateContainerRequest create;
  *create.mutable_pod() = p1;
  *create.mutable_container() = MakeContainer(p1, "app", {"DRA_CPUSET_c1=4-5"});
  api::CreateContainerResponse created;
  REQUIRE(runtime.Call("CreateContainer", create, &created).ok());
  CHECK(created.adjust().linux().resources().cpu().cpus() == "4-5");

  *create.mutable_container() = MakeContainer(p1, "forged", {"DRA_CPUSET_c7=6"});
  Status refused = runtime.Call("CreateContainer", create, &created);
  CHECK_FALSE(refused.ok());
  CHECK(refused.message().find("unknown claim c7") != std::string::npos);

  // The pod goes away (NRI v0.6 reports removal as a StateChange), then the driver unprepares.
  api::StateChangeEvent removed;
  removed.set_event(api::REMOVE_CONTAINER);
  *removed.mutable_pod() = p1;
  *removed.mutable_container() = MakeContainer(p1, "app");
  api::Empty empty;
  REQUIRE(runtime.Call("StateChange", removed, &empty).ok());
  const Clock::time_point written = Clock::now();
  REQUIRE(WriteState(state, "0-7", "0", {}).ok());
  REQUIRE(runtime.WaitFor("update ctr-shared-p0=1-7", 5s));
  std::cout << "dracpu-nri: unprepare -> UpdateContainers at the runtime in "
            << std::chrono::duration<double, std::milli>(Clock::now() - written).count() << " ms\n";

  // A figure, not a check (the 8 MiB target is for `make bench`): most of Rss is code (the
  // statically linked binary's and libc's); Anonymous is the plugin's own memory.
  std::istringstream rollup(ReadFile("/proc/" + std::to_string(pid) + "/smaps_rollup"));
  std::cout << "dracpu-nri after the session:";
  for (std::string line; std::getline(rollup, line);) {
    if (line.rfind("Rss:", 0) == 0 || line.rfind("Pss:", 0) == 0 ||
        line.rfind("Anonymous:", 0) == 0) {
      std::cout << " " << std::regex_replace(line, std::regex("\\s+"), " ");
    }
  }
  std::cout << "\n";

  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  for (int i = 0; i < 500 && waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const std::string all = ReadFile(log);
  CHECK(all.find("connected to NRI socket " + socket) != std::string::npos);
  CHECK(all.find("registered with runtime as 10-dracpu") != std::string::npos);
  CHECK(all.find("pinned container default/pod/app") != std::string::npos);
  CHECK(all.find("synchronized: containers=1") != std::string::npos);
  CHECK(all.find("shared pool now 1-7") != std::string::npos);
}

TEST_CASE("dracpu-nri refuses bad flags with a usage message") {
  dracpu::testing::TempDir dir;
  pid_t pid = StartPlugin({"--plugin-index=abc"}, dir.Sub("log"));
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
}

}  // namespace
}  // namespace dracpu::nri
