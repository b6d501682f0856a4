// The driver's kubelet plugin (driver/kubelet) against the kubelet stand-in over real unix
// sockets in a temporary folder, with a fake ClaimPreparer.

#include "driver/kubelet/kubelet_plugin.h"

#include <grpcpp/grpcpp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "e2e/kubelet_standin/kubelet_standin.h"
#include "e2e/kubelet_standin/registry_watcher.h"

namespace dracpu::standin {
namespace {

using kubelet::KubeletPlugin;
using kubelet::KubeletPluginOptions;
using kubelet::PreparedDevice;

// uid "bad*" fails, "throw" throws; others get one device named after the uid with a shareID.
class FakePreparer : public kubelet::ClaimPreparer {
 public:
  StatusOr<kubelet::PrepareResult> Prepare(const ClaimRef& claim) override {
    if (++in_flight > 1) overlapped = true;
    if (claim.uid.rfind("busy", 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --in_flight;
    std::lock_guard<std::mutex> lock(mu);
    if (claim.uid.rfind("bad", 0) == 0) return Status::ResourceExhausted("group exhausted");
    if (claim.uid == "throw") throw std::runtime_error("boom");
    if (claim.uid == "slow") {
      slow_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
    }
    prepared.insert(claim.uid);
    return kubelet::PrepareResult{{{{"cpus"},
                                    "node-a",
                                    "cpudev-" + claim.uid,
                                    {"dra.k8s.io/cpu=claim-" + claim.uid},
                                    "share-" + claim.uid}},
                                  "cpus=1"};
  }
  Status Unprepare(const ClaimRef& claim) override {
    std::lock_guard<std::mutex> lock(mu);
    if (claim.uid.rfind("bad", 0) == 0) return Status::IOError("cannot remove CDI file");
    prepared.erase(claim.uid);  // unknown claims: nothing to do, success
    return Status::OK();
  }
  std::mutex mu;
  std::set<std::string> prepared;
  std::atomic<int> in_flight{0};
  std::atomic<bool> overlapped{false};
  std::atomic<bool> slow_started{false};
};

struct Node {
  Node() {
    char tmpl[] = "/tmp/dracpu-kubelet-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    root = tmpl;
    options.registry_dir = root + "/plugins_registry";
    options.plugins_dir = root + "/plugins";
    REQUIRE(mkdir(options.registry_dir.c_str(), 0755) == 0);
    options.health_period = std::chrono::milliseconds(100);
  }
  ~Node() { std::system(("rm -rf " + root).c_str()); }

  std::unique_ptr<KubeletPlugin> NewPlugin() {
    return std::make_unique<KubeletPlugin>(options, &preparer, [this] {
      std::lock_guard<std::mutex> lock(devices_mu);
      return devices;
    });
  }

  RegisteredPlugin RegisterWith(KubeletStandin& kubelet) {
    StatusOr<std::string> socket =
        WaitForRegistrationSocket(options.registry_dir, std::chrono::seconds(10));
    REQUIRE(socket.ok());
    StatusOr<RegisteredPlugin> plugin = kubelet.Register(*socket);
    INFO(plugin.status().ToString());
    REQUIRE(plugin.ok());
    return *plugin;
  }

  // Starts `plugin` and registers it with `kubelet`.
  RegisteredPlugin StartAndRegister(KubeletStandin& kubelet) {
    plugin = NewPlugin();
    REQUIRE(plugin->Start().ok());
    return RegisterWith(kubelet);
  }

  std::string root;
  KubeletPluginOptions options;
  FakePreparer preparer;
  std::mutex devices_mu;
  std::vector<DeviceId> devices = {{"node-a", "cpudevnuma000"}, {"node-a", "cpudevnuma001"}};
  std::unique_ptr<KubeletPlugin> plugin;  // destroyed before what it uses
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

void LeaveStaleSocket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  close(fd);
}

}  // namespace

TEST_CASE("registration handshake as kubelet 1.34", "[kubelet][integration]") {
  Node node;
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  CHECK_FALSE(plugin->registered());
  KubeletStandin kubelet;
  RegisteredPlugin reg = node.RegisterWith(kubelet);
  CHECK(reg.registration_socket == node.options.registry_dir + "/dra.cpu-reg.sock");
  CHECK(reg.name == "dra.cpu");
  CHECK(reg.endpoint == node.options.plugins_dir + "/dra.cpu/dra.sock");
  CHECK(reg.supported_versions == KubeletPlugin::SupportedServices());
  CHECK(reg.api == "v1");
  CHECK(reg.health_service == "v1alpha1.DRAResourceHealth");
  CHECK(plugin->registered());  // NotifyRegistrationStatus{true} arrived
}

TEST_CASE("kubelet 1.33 registers on v1beta1, a refusal reaches the plugin",
          "[kubelet][integration]") {
  Node node;
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin old_kubelet(KubeletStandinOptions{.kubelet_minor = 33});
  RegisteredPlugin reg = node.RegisterWith(old_kubelet);
  CHECK(reg.api == "v1beta1");
  CHECK(reg.health_service.empty());
  auto out = old_kubelet.Prepare(reg, {{"ns", "c", "u1"}});
  REQUIRE(out.ok());
  CHECK((*out)["u1"].ok());

  KubeletStandin ancient(KubeletStandinOptions{.kubelet_minor = 31});
  auto refused = ancient.Register(plugin->registration_socket());
  CHECK_FALSE(refused.ok());
  CHECK_FALSE(plugin->registered());
  CHECK(plugin->last_registration_error().find("1.31") != std::string::npos);
}

TEST_CASE("prepare and unprepare a batch with failing claims over v1 and v1beta1",
          "[kubelet][integration]") {
  Node node;
  KubeletStandin kubelet;
  RegisteredPlugin reg = node.StartAndRegister(kubelet);

  for (std::string api : {"v1", "v1beta1"}) {
    SECTION(api) {
      std::vector<ClaimRef> batch = {
          {"ns", "a", "u1"}, {"ns", "b", "bad1"}, {"ns", "c", "throw"}, {"ns", "d", "u2"}};
      auto out = kubelet.Prepare(reg, batch, api);
      INFO(out.status().ToString());
      REQUIRE(out.ok());
      REQUIRE(out->size() == 4);
      const ClaimOutcome& u1 = (*out)["u1"];
      REQUIRE(u1.ok());
      REQUIRE(u1.devices.size() == 1);
      CHECK(u1.devices[0].cdi_device_ids == std::vector<std::string>{"dra.k8s.io/cpu=claim-u1"});
      CHECK(u1.devices[0].request_names == std::vector<std::string>{"cpus"});
      CHECK(u1.devices[0].pool_name == "node-a");
      CHECK(u1.devices[0].device_name == "cpudev-u1");
      if (api == "v1") {
        CHECK(u1.devices[0].share_id == "share-u1");
      } else {
        CHECK_FALSE(u1.devices[0].share_id.has_value());
      }
      CHECK((*out)["u2"].ok());
      CHECK((*out)["bad1"].error == "ResourceExhausted: group exhausted");
      CHECK((*out)["throw"].error == "internal error: boom");
      CHECK(node.preparer.prepared == std::set<std::string>{"u1", "u2"});

      // Idempotent from the kubelet's side: the same batch again gives the same answer.
      auto again = kubelet.Prepare(reg, batch, api);
      REQUIRE(again.ok());
      CHECK((*again)["u1"].devices[0].cdi_device_ids == u1.devices[0].cdi_device_ids);

      auto un = kubelet.Unprepare(
          reg, {{"ns", "a", "u1"}, {"ns", "gone", "never-prepared"}, {"ns", "b", "bad1"}}, api);
      REQUIRE(un.ok());
      REQUIRE(un->size() == 3);
      CHECK((*un)["u1"].empty());
      CHECK((*un)["never-prepared"].empty());
      CHECK((*un)["bad1"] == "IOError: cannot remove CDI file");
      CHECK(node.preparer.prepared == std::set<std::string>{"u2"});
    }
  }
}

TEST_CASE("stale sockets are replaced, sockets are private", "[kubelet][integration]") {
  Node node;
  const std::string dra_dir = node.options.plugins_dir + "/dra.cpu";
  REQUIRE(mkdir(node.options.plugins_dir.c_str(), 0755) == 0);
  REQUIRE(mkdir(dra_dir.c_str(), 0755) == 0);
  LeaveStaleSocket(dra_dir + "/dra.sock");
  LeaveStaleSocket(node.options.registry_dir + "/dra.cpu-reg.sock");

  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  CHECK((ModeOf(dra_dir) & 0777) == 0700);
  CHECK((ModeOf(plugin->dra_socket()) & 0777) == 0600);
  CHECK((ModeOf(plugin->registration_socket()) & 0777) == 0600);
  CHECK((ModeOf(node.options.registry_dir) & 0777) == 0755);  // the kubelet's folder

  KubeletStandin kubelet;
  RegisteredPlugin reg = node.RegisterWith(kubelet);
  CHECK(kubelet.Prepare(reg, {{"ns", "a", "u1"}}).ok());

  plugin->Stop();
  CHECK(access(plugin->dra_socket().c_str(), F_OK) != 0);
  CHECK(access(plugin->registration_socket().c_str(), F_OK) != 0);
}

TEST_CASE("a file that is not a socket blocks start and is kept", "[kubelet][integration]") {
  Node node;
  std::ofstream(node.options.registry_dir + "/dra.cpu-reg.sock") << "not mine";
  auto plugin = node.NewPlugin();
  Status s = plugin->Start();
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK(s.message().find("registration service") != std::string::npos);
  // Nothing half-started: the DRA socket is gone again.
  CHECK(access((node.options.plugins_dir + "/dra.cpu/dra.sock").c_str(), F_OK) != 0);
}

TEST_CASE("health stream lists every published device as Healthy", "[kubelet][integration]") {
  Node node;
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin kubelet(KubeletStandinOptions{.kubelet_minor = 37});
  RegisteredPlugin reg = node.RegisterWith(kubelet);

  for (std::string service : {"v1alpha1.DRAResourceHealth", "v1.DRAResourceHealth"}) {
    auto lists = kubelet.WatchHealth(reg, 2, std::chrono::seconds(10), service);
    INFO(service << ": " << lists.status().ToString());
    REQUIRE(lists.ok());
    REQUIRE(lists->size() == 2);  // the first at once, the second after the period
    for (const auto& list : *lists) {
      REQUIRE(list.size() == 2);
      CHECK(list[0].device == DeviceId{"node-a", "cpudevnuma000"});
      CHECK(list[1].device == DeviceId{"node-a", "cpudevnuma001"});
      for (const HealthEntry& e : list) {
        CHECK(e.health == 1);
        CHECK(e.last_updated_time > 1700000000);
        CHECK(e.health_check_timeout_seconds == node.options.health_check_timeout_seconds);
      }
    }
  }
}

TEST_CASE("DevicesChanged pushes the new list at once", "[kubelet][integration]") {
  Node node;
  node.options.health_period = std::chrono::hours(1);
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin kubelet;
  RegisteredPlugin reg = node.RegisterWith(kubelet);
  std::thread change([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    {
      std::lock_guard<std::mutex> lock(node.devices_mu);
      node.devices.push_back({"node-a", "cpudevnuma002"});
    }
    plugin->DevicesChanged();
  });
  auto lists = kubelet.WatchHealth(reg, 2, std::chrono::seconds(10));
  change.join();
  REQUIRE(lists.ok());
  CHECK((*lists)[0].size() == 2);
  CHECK((*lists)[1].size() == 3);
}

TEST_CASE("Stop ends open health streams and calls fail after retries", "[kubelet][integration]") {
  Node node;
  node.options.health_period = std::chrono::hours(1);
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin kubelet(KubeletStandinOptions{.call_timeout = std::chrono::milliseconds(500),
                                               .max_attempts = 3,
                                               .initial_backoff = std::chrono::milliseconds(10)});
  RegisteredPlugin reg = node.RegisterWith(kubelet);
  StatusOr<std::vector<std::vector<HealthEntry>>> lists = Status::Internal("not run");
  std::thread watcher([&] { lists = kubelet.WatchHealth(reg, 2, std::chrono::seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  plugin->Stop();
  watcher.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_FALSE(lists.ok());  // one list arrived, then the stream ended

  auto out = kubelet.Prepare(reg, {{"ns", "a", "u1"}});
  CHECK_FALSE(out.ok());
  CHECK(kubelet.last_attempts() == 3);
}

TEST_CASE("Stop lets a running prepare finish before it closes the connections",
          "[kubelet][integration]") {
  Node node;
  node.options.health_period = std::chrono::hours(1);
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin watching;
  RegisteredPlugin reg = node.RegisterWith(watching);
  // The kubelet's health stream stays open on the same connection as its prepare calls.
  StatusOr<std::vector<std::vector<HealthEntry>>> lists = Status::Internal("not run");
  std::thread watcher([&] { lists = watching.WatchHealth(reg, 2, std::chrono::seconds(30)); });
  StatusOr<std::map<std::string, ClaimOutcome>> out = Status::Internal("not run");
  std::thread preparer([&] {
    KubeletStandin preparing(KubeletStandinOptions{.max_attempts = 1});  // one stand-in per thread
    out = preparing.Prepare(reg, {{"ns", "s", "slow"}});
  });
  const auto wait_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!node.preparer.slow_started && std::chrono::steady_clock::now() < wait_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(node.preparer.slow_started);
  const auto start = std::chrono::steady_clock::now();
  plugin->Stop();
  const auto took = std::chrono::steady_clock::now() - start;
  preparer.join();
  watcher.join();
  REQUIRE(out.ok());  // the running call was answered, not cancelled
  CHECK(out->at("slow").ok());
  CHECK(node.preparer.prepared.count("slow") == 1);
  CHECK(took >= std::chrono::milliseconds(300));  // it waited for the 800 ms prepare...
  CHECK(took < std::chrono::seconds(3));          // ...but not for the 5 s grace
  CHECK_FALSE(lists.ok());
}

TEST_CASE("a call-wide failure is retried until the plugin answers", "[kubelet][integration]") {
  Node node;
  auto plugin = node.NewPlugin();
  KubeletStandin kubelet(
      KubeletStandinOptions{.max_attempts = 6, .initial_backoff = std::chrono::milliseconds(50)});
  // The kubelet still has the endpoint from an earlier registration; the plugin is restarting.
  RegisteredPlugin reg;
  reg.endpoint = plugin->dra_socket();
  reg.api = "v1";
  reg.channel = grpc::CreateChannel("unix:" + reg.endpoint, grpc::InsecureChannelCredentials());
  Status started;
  std::thread starter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    started = plugin->Start();  // Catch2 assertions are not thread-safe: check after join
  });
  auto out = kubelet.Prepare(reg, {{"ns", "a", "u1"}});
  starter.join();
  REQUIRE(started.ok());
  INFO(out.status().ToString());
  REQUIRE(out.ok());
  CHECK((*out)["u1"].ok());
  CHECK(kubelet.last_attempts() > 1);
}

TEST_CASE("each attempt has its own deadline", "[kubelet][integration]") {
  CHECK(KubeletStandinOptions{}.call_timeout == std::chrono::seconds(45));  // the kubelet's
  Node node;
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin impatient(
      KubeletStandinOptions{.call_timeout = std::chrono::milliseconds(200), .max_attempts = 1});
  RegisteredPlugin reg = node.RegisterWith(impatient);
  auto out = impatient.Prepare(reg, {{"ns", "s", "slow"}});
  REQUIRE_FALSE(out.ok());
  CHECK(out.status().code() == Status::Code::kDeadlineExceeded);
}

TEST_CASE("kubelet-standin CLI registers and prepares a batch", "[kubelet][integration]") {
  Node node;
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  const std::string binary =
      std::string(DRACPU_BINARY_DIR) + "/e2e/kubelet_standin/kubelet-standin";
  auto run = [&](const std::string& args, std::string* out) {
    FILE* p = popen(
        (binary + " --registry-dir " + node.options.registry_dir + " " + args + " 2>/dev/null")
            .c_str(),
        "r");
    REQUIRE(p != nullptr);
    char buf[512];
    while (fgets(buf, sizeof(buf), p)) *out += buf;
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string out;
  CHECK(run("--kubelet-version 1.33 prepare ns/a/u1 ns/b/bad2", &out) == 1);
  CHECK(out.find("api=v1beta1") != std::string::npos);
  CHECK(out.find("prepared uid=u1 cdi=dra.k8s.io/cpu=claim-u1\n") != std::string::npos);
  CHECK(out.find("failed uid=bad2 error=ResourceExhausted: group exhausted\n") !=
        std::string::npos);
  out.clear();
  CHECK(run("unprepare ns/a/u1 ns/x/unknown", &out) == 0);
  CHECK(out.find("unprepared uid=unknown") != std::string::npos);
  out.clear();
  CHECK(run("health 1", &out) == 0);
  CHECK(out.find("health message=0 pool=node-a device=cpudevnuma001 status=1") !=
        std::string::npos);
  out.clear();
  CHECK(run("prepare not-a-claim", &out) == 2);
}

TEST_CASE("concurrent v1 and v1beta1 batches reach the preparer one claim at a time",
          "[kubelet][integration]") {
  Node node;
  KubeletStandin kubelet;
  RegisteredPlugin reg = node.StartAndRegister(kubelet);
  std::vector<std::thread> callers;
  std::atomic<int> ok_claims{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      KubeletStandin own;  // one stand-in per thread
      std::vector<ClaimRef> batch;
      for (int i = 0; i < 3; ++i) {
        std::string uid = "busy-" + std::to_string(t) + "-" + std::to_string(i);
        batch.push_back({"ns", uid, uid});
      }
      auto out = own.Prepare(reg, batch, t % 2 ? "v1beta1" : "v1");
      if (out.ok()) {
        for (const auto& [uid, o] : *out) ok_claims += o.ok();
      }
    });
  }
  for (auto& c : callers) c.join();
  CHECK(ok_claims == 12);
  CHECK_FALSE(node.preparer.overlapped);
}

TEST_CASE("an endpoint outside the kubelet root is refused", "[kubelet][integration]") {
  Node node;
  Node elsewhere;  // a second temporary folder, not under node.root
  node.options.plugins_dir = elsewhere.root + "/plugins";
  auto plugin = node.NewPlugin();
  REQUIRE(plugin->Start().ok());
  KubeletStandin kubelet;
  auto reg = kubelet.Register(plugin->registration_socket());
  REQUIRE_FALSE(reg.ok());
  CHECK(reg.status().message().find("is not inside " + node.root) != std::string::npos);
  CHECK_FALSE(plugin->registered());
  CHECK(plugin->last_registration_error().find("is not inside") != std::string::npos);
}

}  // namespace dracpu::standin
