// The Stub against runtimes: the recorded upstream v0.6.1 runtime replayed frame by frame (our
// answers compared with the upstream stub's as decoded messages), and an in-process runtime
// built on our own transport for paging, unsubscribed events, unsolicited updates and reconnect.

#include "nri-plugin/stub/stub.h"

#include <google/protobuf/util/message_differencer.h>
#include <stdlib.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <deque>
#include <fstream>
#include <map>
#include <thread>

#include "nri-plugin/stub/plugin_service.h"
#include "nri-plugin/transport/frame.h"
#include "nri-plugin/transport/mux_connection.h"
#include "nri-plugin/transport/testing/raw_peer.h"
#include "nri-plugin/transport/unix_socket.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::nri {
namespace {

using namespace std::chrono_literals;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;
using ttrpc::UniqueFd;

struct TempSocket {
  TempSocket() {
    char tmpl[] = "/tmp/dracpu-stub-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/nri.sock";
    StatusOr<UniqueFd> l = ttrpc::ListenUnix(path);
    REQUIRE(l.ok());
    listener = std::move(*l);
  }
  ~TempSocket() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
  UniqueFd Accept() {
    StatusOr<UniqueFd> fd = ttrpc::AcceptUnix(listener.get(), 10s);
    REQUIRE(fd.ok());
    return std::move(*fd);
  }
  std::string dir, path;
  UniqueFd listener;
};

// The plugin of the recording (recordings/README.md), rebuilt on our stub: pins every new
// container to 0 and moves the earlier ones to 1; 300 ms after each create moves the containers
// known at that create to 2 with UpdateContainers; on stop moves the others to 0-1.
class Pin0Plugin : public PluginHandlers {
 public:
  explicit Pin0Plugin(Stub** stub) : stub_(stub), worker_([this] { Work(); }) {}
  ~Pin0Plugin() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      cv_.notify_all();
    }
    worker_.join();
  }

  Status RunPodSandbox(const api::PodSandbox&) override { return Status::OK(); }
  StatusOr<api::CreateContainerResponse> CreateContainer(const api::PodSandbox&,
                                                         const api::Container& ctr) override {
    api::CreateContainerResponse resp;
    resp.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("0");
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& id : known_) *resp.add_update() = Update(id, "1");
    known_.push_back(ctr.id());
    queue_.push_back({std::chrono::steady_clock::now() + 300ms, known_});
    cv_.notify_all();
    return resp;
  }
  StatusOr<api::StopContainerResponse> StopContainer(const api::PodSandbox&,
                                                     const api::Container& ctr) override {
    api::StopContainerResponse resp;
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& id : known_) {
      if (id != ctr.id()) *resp.add_update() = Update(id, "0-1");
    }
    return resp;
  }
  Status RemoveContainer(const api::PodSandbox&, const api::Container& ctr) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase(known_, ctr.id());
    return Status::OK();
  }

  std::atomic<int> failed_updates{0};

 private:
  static api::ContainerUpdate Update(const std::string& id, const std::string& cpus) {
    api::ContainerUpdate u;
    u.set_container_id(id);
    u.mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(cpus);
    return u;
  }
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
      if (done_) return;
      auto [due, ids] = queue_.front();
      queue_.pop_front();
      lock.unlock();
      std::this_thread::sleep_until(due);
      std::vector<api::ContainerUpdate> updates;
      for (const std::string& id : ids) updates.push_back(Update(id, "2"));
      if (!(*stub_)->UpdateContainers(updates).ok()) ++failed_updates;
      lock.lock();
    }
  }

  Stub** stub_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::vector<std::string> known_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::vector<std::string>>> queue_;
  std::thread worker_;
};

static_assert(SubscribedEvents<Pin0Plugin>() == 0x609);
static_assert(SubscribedEvents<PluginHandlers>() == 0);

std::unique_ptr<Message> PayloadType(const std::string& method, bool request) {
  if (method == "RegisterPlugin") {
    return std::unique_ptr<Message>(request ? static_cast<Message*>(new api::RegisterPluginRequest)
                                            : new api::Empty);
  }
  if (method == "UpdateContainers") {
    return std::unique_ptr<Message>(request
                                        ? static_cast<Message*>(new api::UpdateContainersRequest)
                                        : new api::UpdateContainersResponse);
  }
  if (method == "Configure") return std::make_unique<api::ConfigureResponse>();
  if (method == "Synchronize") return std::make_unique<api::SynchronizeResponse>();
  if (method == "StateChange") return std::make_unique<api::Empty>();
  if (method == "CreateContainer") return std::make_unique<api::CreateContainerResponse>();
  if (method == "StopContainer") return std::make_unique<api::StopContainerResponse>();
  FAIL("no type for " << method);
  return nullptr;
}

struct Decoded {
  uint32_t conn;
  ttrpc::FrameHeader header;
  std::string data;
};

Decoded DecodeOne(const std::string& mux_frame) {
  ttrpc::MuxParser mux;
  mux.Append(mux_frame);
  REQUIRE(mux.Next() == ttrpc::MuxParser::Result::kFrame);
  ttrpc::FrameParser frames;
  frames.Append(mux.payload());
  REQUIRE(frames.Next() == ttrpc::FrameParser::Result::kFrame);
  return {mux.header().conn_id, frames.header(), std::string(frames.data())};
}

TEST_CASE("replaying the recorded v0.6.1 runtime: the stub answers as the upstream stub did") {
  TempSocket sock;
  Stub* stub_ptr = nullptr;
  Pin0Plugin plugin(&stub_ptr);
  StubOptions opts;
  opts.socket_path = sock.path;
  opts.plugin_name = "pin0";
  opts.plugin_idx = "10";
  Stub stub(opts, &plugin);
  stub_ptr = &stub;
  REQUIRE(stub.Start().ok());
  UniqueFd raw = sock.Accept();

  std::ifstream in(std::string(DRACPU_SHARED_DIR) + "/recordings/nri-v0.6.1-session.jsonl");
  REQUIRE(in.good());
  std::map<std::pair<uint32_t, uint32_t>, std::string> methods;  // (conn, stream) -> method
  std::string line;
  int compared = 0;
  while (std::getline(in, line)) {
    YAML::Node rec = YAML::Load(line);
    std::string recorded = ttrpc::testing::FromHex(rec["mux_frame_hex"].as<std::string>());
    Decoded want = DecodeOne(recorded);
    const bool request = want.header.type == 1;
    if (request) {
      ::ttrpc::Request req;
      REQUIRE(req.ParseFromString(want.data));
      methods[{want.conn, want.header.stream_id}] = req.method();
    }
    if (rec["dir"].as<std::string>() == "runtime->plugin") {
      REQUIRE(ttrpc::SendAll(raw.get(), recorded).ok());
      continue;
    }
    INFO("recorded frame at t_ms " << rec["t_ms"].as<double>());
    StatusOr<std::string> frame = ttrpc::testing::ReadMuxFrame(raw.get());
    REQUIRE(frame.ok());
    Decoded got = DecodeOne(*frame);
    CHECK(got.conn == want.conn);
    CHECK(got.header.stream_id == want.header.stream_id);
    CHECK(got.header.type == want.header.type);
    CHECK(got.header.flags == want.header.flags);
    const std::string& method = methods.at({want.conn, want.header.stream_id});
    std::unique_ptr<Message> got_msg = PayloadType(method, request);
    std::unique_ptr<Message> want_msg = PayloadType(method, request);
    if (request) {
      ::ttrpc::Request g, w;
      REQUIRE(g.ParseFromString(got.data));
      REQUIRE(w.ParseFromString(want.data));
      CHECK(g.service() == w.service());
      CHECK(g.method() == w.method());
      REQUIRE(got_msg->ParseFromString(g.payload()));
      REQUIRE(want_msg->ParseFromString(w.payload()));
    } else {
      ::ttrpc::Response g, w;
      REQUIRE(g.ParseFromString(got.data));
      REQUIRE(w.ParseFromString(want.data));
      CHECK(g.status().code() == w.status().code());  // absent == code 0
      REQUIRE(got_msg->ParseFromString(g.payload()));
      REQUIRE(want_msg->ParseFromString(w.payload()));
    }
    INFO(method << " got " << got_msg->ShortDebugString() << " want "
                << want_msg->ShortDebugString());
    CHECK(MessageDifferencer::Equals(*got_msg, *want_msg));
    ++compared;
  }
  CHECK(compared == 11);
  CHECK(stub.registered());
  CHECK(stub.synchronized());
  CHECK(plugin.failed_updates == 0);
  stub.Stop();
}

// The runtime side on our own transport: serves the Runtime service, calls the Plugin service.
struct FakeRuntime {
  explicit FakeRuntime(UniqueFd fd) : conn(std::move(fd)) {
    ttrpc::TtrpcServer& srv = conn.AddServer(ttrpc::kRuntimeServiceConn);
    plugin = &conn.AddClient(ttrpc::kPluginServiceConn);
    srv.RegisterTyped<api::RegisterPluginRequest, api::Empty>(
        kRuntimeService, "RegisterPlugin",
        [this](const api::RegisterPluginRequest& r, const ttrpc::CallContext&) {
          std::lock_guard<std::mutex> lock(mu);
          registered_as = r.plugin_idx() + "-" + r.plugin_name();
          cv.notify_all();
          return StatusOr<api::Empty>(api::Empty());
        });
    srv.RegisterTyped<api::UpdateContainersRequest, api::UpdateContainersResponse>(
        kRuntimeService, "UpdateContainers",
        [this](const api::UpdateContainersRequest& r, const ttrpc::CallContext&) {
          api::UpdateContainersResponse resp;
          std::lock_guard<std::mutex> lock(mu);
          for (const api::ContainerUpdate& u : r.update()) {
            if (u.container_id() == "gone") *resp.add_failed() = u;
            updated.push_back(u.container_id() + "=" + u.linux().resources().cpu().cpus());
          }
          return StatusOr<api::UpdateContainersResponse>(resp);
        });
    conn.Start();
  }
  std::string WaitRegistered() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, 10s, [this] { return !registered_as.empty(); });
    return registered_as;
  }
  template <typename Req, typename Resp>
  Status Call(const char* method, const Req& req, Resp* resp) {
    return plugin->CallTyped(kPluginService, method, req, resp, 2s);
  }
  // Configure + one-page Synchronize, as every runtime does after registration.
  void Handshake() {
    api::ConfigureRequest cfg;
    cfg.set_runtime_name("fake");
    api::ConfigureResponse cfg_resp;
    REQUIRE(Call("Configure", cfg, &cfg_resp).ok());
    events = cfg_resp.events();
    api::SynchronizeResponse sync_resp;
    REQUIRE(Call("Synchronize", api::SynchronizeRequest(), &sync_resp).ok());
  }

  ttrpc::MuxConnection conn;
  ttrpc::TtrpcClient* plugin;
  std::mutex mu;
  std::condition_variable cv;
  std::string registered_as;
  std::vector<std::string> updated;
  int32_t events = -1;
};

class RecordingPlugin : public PluginHandlers {
 public:
  StatusOr<std::vector<api::ContainerUpdate>> Synchronize(
      const api::SynchronizeRequest& all) override {
    synced_pods = all.pods_size();
    synced_containers = all.containers_size();
    std::vector<api::ContainerUpdate> updates;
    for (const api::Container& c : all.containers()) {
      updates.emplace_back().set_container_id(c.id());
    }
    return updates;
  }
  StatusOr<api::CreateContainerResponse> CreateContainer(const api::PodSandbox&,
                                                         const api::Container& ctr) override {
    if (ctr.env_size() > 0 && ctr.env(0) == "FORGED=1") {
      return Status::PermissionDenied("container " + ctr.name() + " carries a forged variable");
    }
    api::CreateContainerResponse resp;
    resp.mutable_adjust()->mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("4-5");
    return resp;
  }
  Status RemoveContainer(const api::PodSandbox&, const api::Container& ctr) override {
    removed.push_back(ctr.id());
    return Status::OK();
  }
  void Disconnected() override { ++disconnected; }

  std::atomic<int> synced_pods{0}, synced_containers{0}, disconnected{0};
  std::vector<std::string> removed;  // dispatch thread only while connected
};

api::Container MakeContainer(const std::string& id) {
  api::Container c;
  c.set_id(id);
  c.set_name(id);
  return c;
}

struct Rig {
  Rig() {
    opts.socket_path = sock.path;
    opts.min_backoff = 20ms;
    stub = std::make_unique<Stub>(opts, &plugin);
    REQUIRE(stub->Start().ok());
    runtime = std::make_unique<FakeRuntime>(sock.Accept());
    REQUIRE(runtime->WaitRegistered() == "00-dracpu");
    WaitStubRegistered();
  }
  // The runtime's handler runs before the stub has seen its RegisterPlugin reply.
  void WaitStubRegistered() {
    for (int i = 0; i < 500 && !stub->registered(); ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(stub->registered());
  }
  TempSocket sock;
  RecordingPlugin plugin;
  StubOptions opts;
  std::unique_ptr<Stub> stub;
  std::unique_ptr<FakeRuntime> runtime;
};

TEST_CASE("Configure subscribes to exactly the overridden handlers") {
  Rig rig;
  rig.runtime->Handshake();
  CHECK(rig.runtime->events == (EventBit(api::CREATE_CONTAINER) | EventBit(api::REMOVE_CONTAINER)));
  CHECK(rig.stub->synchronized());
}

TEST_CASE("Synchronize pages are echoed with more=true, the last answer covers their union") {
  Rig rig;
  api::ConfigureResponse cfg;
  REQUIRE(rig.runtime->Call("Configure", api::ConfigureRequest(), &cfg).ok());
  api::SynchronizeRequest page;
  page.add_pods()->set_id("p1");
  *page.add_containers() = MakeContainer("a");
  *page.add_containers() = MakeContainer("b");
  page.set_more(true);
  api::SynchronizeResponse resp;
  REQUIRE(rig.runtime->Call("Synchronize", page, &resp).ok());
  CHECK(resp.more());
  CHECK(resp.update_size() == 0);
  CHECK_FALSE(rig.stub->synchronized());
  page.Clear();
  page.add_pods()->set_id("p2");
  *page.add_containers() = MakeContainer("c");
  page.set_more(true);
  REQUIRE(rig.runtime->Call("Synchronize", page, &resp).ok());
  CHECK(resp.more());
  CHECK(resp.update_size() == 0);
  page.Clear();
  *page.add_containers() = MakeContainer("d");
  REQUIRE(rig.runtime->Call("Synchronize", page, &resp).ok());
  CHECK_FALSE(resp.more());
  REQUIRE(resp.update_size() == 4);
  CHECK(resp.update(3).container_id() == "d");
  CHECK(rig.plugin.synced_pods == 2);
  CHECK(rig.plugin.synced_containers == 4);
  CHECK(rig.stub->synchronized());
}

TEST_CASE("events reach the handlers by dedicated RPC and by StateChange, unknown ones refused") {
  Rig rig;
  rig.runtime->Handshake();
  api::CreateContainerRequest create;
  *create.mutable_container() = MakeContainer("c1");
  api::CreateContainerResponse created;
  REQUIRE(rig.runtime->Call("CreateContainer", create, &created).ok());
  CHECK(created.adjust().linux().resources().cpu().cpus() == "4-5");

  create.mutable_container()->add_env("FORGED=1");
  Status refused = rig.runtime->Call("CreateContainer", create, &created);
  CHECK(refused.IsPermissionDenied());
  CHECK(refused.message() == "rpc error PERMISSION_DENIED: container c1 carries a forged variable");

  api::StateChangeEvent ev;  // NRI <= v0.11
  ev.set_event(api::REMOVE_CONTAINER);
  *ev.mutable_container() = MakeContainer("c1");
  api::Empty empty;
  REQUIRE(rig.runtime->Call("StateChange", ev, &empty).ok());
  api::RemoveContainerRequest rm;  // NRI v0.12
  *rm.mutable_container() = MakeContainer("c2");
  api::RemoveContainerResponse rm_resp;
  REQUIRE(rig.runtime->Call("RemoveContainer", rm, &rm_resp).ok());

  api::StopContainerRequest stop;  // not subscribed: served by the default handler
  api::StopContainerResponse stop_resp;
  REQUIRE(rig.runtime->Call("StopContainer", stop, &stop_resp).ok());
  CHECK(stop_resp.update_size() == 0);
  api::ValidateContainerAdjustmentRequest validate;  // beyond this API: UNIMPLEMENTED
  api::ValidateContainerAdjustmentResponse validate_resp;
  CHECK(rig.runtime->Call("ValidateContainerAdjustment", validate, &validate_resp).message() ==
        "rpc error UNIMPLEMENTED: method ValidateContainerAdjustment");
  REQUIRE(rig.runtime->Call("Shutdown", api::Empty(), &empty).ok());
  CHECK(rig.plugin.removed == std::vector<std::string>{"c1", "c2"});
}

TEST_CASE("UpdateContainers reaches the runtime and returns what failed") {
  Rig rig;
  rig.runtime->Handshake();
  std::vector<api::ContainerUpdate> updates(2);
  updates[0].set_container_id("c1");
  updates[0].mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus("0-3");
  updates[1].set_container_id("gone");
  StatusOr<std::vector<api::ContainerUpdate>> failed = rig.stub->UpdateContainers(updates);
  REQUIRE(failed.ok());
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].container_id() == "gone");
  CHECK(rig.runtime->updated == std::vector<std::string>{"c1=0-3", "gone="});
}

TEST_CASE("when the runtime restarts the stub reconnects, registers and synchronizes again") {
  Rig rig;
  rig.runtime->Handshake();
  rig.runtime.reset();  // the runtime goes away
  FakeRuntime again(rig.sock.Accept());
  CHECK(again.WaitRegistered() == "00-dracpu");
  CHECK(rig.plugin.disconnected == 1);
  CHECK(rig.stub->disconnects() == 1);
  CHECK_FALSE(rig.stub->synchronized());
  again.Handshake();
  CHECK(rig.stub->synchronized());
  rig.WaitStubRegistered();
  CHECK(rig.stub->UpdateContainers({}).ok());
}

TEST_CASE("without a runtime the stub keeps retrying and stops promptly") {
  TempSocket sock;
  RecordingPlugin plugin;
  StubOptions opts;
  opts.socket_path = sock.dir + "/absent.sock";
  opts.min_backoff = 10ms;
  opts.max_backoff = 50ms;
  Stub stub(opts, &plugin);
  REQUIRE(stub.Start().ok());
  std::this_thread::sleep_for(200ms);
  CHECK_FALSE(stub.registered());
  CHECK(stub.UpdateContainers({}).status().IsUnavailable());
  auto start = std::chrono::steady_clock::now();
  stub.Stop();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("plugin name and index follow the runtime's rules") {
  CHECK(ValidatePluginIdentity("dracpu", "00").ok());
  CHECK(ValidatePluginIdentity("dra.cpu_v1+x-y", "99").ok());
  CHECK(ValidatePluginIdentity("dracpu", "0").IsInvalidArgument());
  CHECK(ValidatePluginIdentity("dracpu", "0a").IsInvalidArgument());
  CHECK(ValidatePluginIdentity("dracpu", "100").IsInvalidArgument());
  CHECK(ValidatePluginIdentity("", "00").IsInvalidArgument());
  CHECK(ValidatePluginIdentity("dra cpu", "00").IsInvalidArgument());
  CHECK(ValidatePluginIdentity("dra/cpu", "00").IsInvalidArgument());
  RecordingPlugin plugin;
  StubOptions opts;
  opts.plugin_idx = "7";
  Stub stub(opts, &plugin);
  CHECK(stub.Start().IsInvalidArgument());
  PluginHandlers nothing;
  Stub empty(StubOptions(), &nothing);
  CHECK(empty.events() == 0);
  CHECK(empty.Start().IsInvalidArgument());
}

TEST_CASE("a runtime-launched plugin uses the handed-over socket and does not redial") {
  UniqueFd plugin_end, runtime_end;
  REQUIRE(ttrpc::SocketPair(&plugin_end, &runtime_end).ok());
  setenv("NRI_PLUGIN_SOCKET", std::to_string(plugin_end.get()).c_str(), 1);
  setenv("NRI_PLUGIN_NAME", "launched", 1);
  setenv("NRI_PLUGIN_IDX", "42", 1);
  StubOptions opts;
  opts.socket_path = "/nonexistent/nri.sock";
  Status env = ApplyPluginEnvironment(&opts);
  unsetenv("NRI_PLUGIN_SOCKET");
  unsetenv("NRI_PLUGIN_NAME");
  unsetenv("NRI_PLUGIN_IDX");
  REQUIRE(env.ok());
  CHECK(opts.preconnected_fd == plugin_end.get());
  CHECK(opts.plugin_name == "launched");
  CHECK(opts.plugin_idx == "42");
  (void)plugin_end.Release();  // the Stub owns it now

  RecordingPlugin plugin;
  Stub stub(opts, &plugin);
  REQUIRE(stub.Start().ok());
  auto runtime = std::make_unique<FakeRuntime>(std::move(runtime_end));
  CHECK(runtime->WaitRegistered() == "42-launched");
  runtime->Handshake();
  CHECK(stub.synchronized());
  runtime.reset();
  for (int i = 0; i < 500 && stub.disconnects() == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(stub.disconnects() == 1);
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(stub.registered());
  CHECK(plugin.disconnected == 1);
}

TEST_CASE("a malformed NRI_PLUGIN_SOCKET is refused") {
  setenv("NRI_PLUGIN_SOCKET", "3x", 1);
  StubOptions opts;
  Status s = ApplyPluginEnvironment(&opts);
  unsetenv("NRI_PLUGIN_SOCKET");
  CHECK(s.IsInvalidArgument());
  CHECK(opts.preconnected_fd == -1);
}

}  // namespace
}  // namespace dracpu::nri
