// KubeClient and ListWatch against the API server stand-in on loopback: CRUD, field selectors,
// conflicts, injected 500s and latency, deadlines, watch resumption, 410 re-list, bookmarks,
// API versions and TLS with a throwaway CA.

#include "driver/kube/kube_client.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "driver/kube/list_watch.h"
#include "e2e/apiserver/apiserver_standin.h"

namespace dracpu::kube {
namespace {

using standin::ApiServerStandin;
using standin::Faults;
using standin::StandinOptions;
using std::chrono::milliseconds;

struct Rig {
  std::unique_ptr<ApiServerStandin> server;
  std::unique_ptr<KubeClient> client;

  explicit Rig(StandinOptions options = {}, ResourceApiVersion version = ResourceApiVersion::kV1) {
    auto s = ApiServerStandin::Start(options);
    REQUIRE(s.ok());
    server = std::move(s).value();
    client = MakeClient(version);
  }
  std::unique_ptr<KubeClient> MakeClient(ResourceApiVersion version = ResourceApiVersion::kV1,
                                         milliseconds timeout = milliseconds(2000)) {
    ClusterConfig cfg;
    cfg.server = server->url();
    KubeClient::Options o;
    o.api_version = version;
    o.timeout = timeout;
    o.backoff = {milliseconds(10), milliseconds(100), 2.0, 0.2};
    auto c = KubeClient::Create(cfg, o);
    REQUIRE(c.ok());
    return std::move(c).value();
  }
};

Json Slice(const std::string& node, const std::string& driver = "dra.cpu") {
  Json s = Json::object();
  s["metadata"]["generateName"] = Json::string("00000-" + driver + "-" + node + "-");
  s["spec"]["driver"] = Json::string(driver);
  s["spec"]["nodeName"] = Json::string(node);
  s["spec"]["pool"]["name"] = Json::string(node);
  s["spec"]["pool"]["generation"] = Json::number(1);
  s["spec"]["pool"]["resourceSliceCount"] = Json::number(1);
  s["spec"]["devices"][0]["name"] = Json::string("cpudev000");
  return s;
}

std::string Name(const Json& o) { return JsonString(o, {"metadata", "name"}); }
std::string Rv(const Json& o) { return JsonString(o, {"metadata", "resourceVersion"}); }

template <typename Pred>
bool WaitFor(Pred pred, milliseconds timeout = milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

int CountRequests(const ApiServerStandin& s, const std::string& prefix) {
  int n = 0;
  for (const auto& line : s.RequestLog()) n += line.rfind(prefix, 0) == 0;
  return n;
}

TEST_CASE("slices: create, get, update, stale update, delete", "[kube][integration]") {
  Rig rig;
  auto& c = *rig.client;
  auto created = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(created.ok());
  const std::string name = Name(*created);
  CHECK(name.rfind("00000-dra.cpu-node-a-", 0) == 0);
  CHECK(name.size() == std::string("00000-dra.cpu-node-a-").size() + 5);

  auto got = c.GetResourceSlice(name);
  REQUIRE(got.ok());
  CHECK(Rv(*got) == Rv(*created));

  Json changed = *got;
  changed["spec"]["devices"][1]["name"] = Json::string("cpudev001");
  auto updated = c.UpdateResourceSlice(changed);
  REQUIRE(updated.ok());
  CHECK(updated->at("spec").at("devices").size() == 2);
  CHECK(Rv(*updated) != Rv(*got));

  // The copy read before the update is stale now: 409 -> Aborted, naming verb and path.
  auto stale = c.UpdateResourceSlice(changed);
  CHECK(stale.status().code() == Status::Code::kAborted);
  CHECK(stale.status().message().find("PUT /apis/resource.k8s.io/v1/resourceslices/" + name) !=
        std::string::npos);
  CHECK(stale.status().message().find("409") != std::string::npos);

  // A blind overwrite is refused before it reaches the wire.
  Json blind = changed;
  blind["metadata"]["resourceVersion"] = Json::string("");
  CHECK(c.UpdateResourceSlice(blind).status().IsInvalidArgument());

  const std::string uid = JsonString(*updated, {"metadata", "uid"});
  CHECK(c.DeleteResourceSlice(name, "wrong-uid").code() == Status::Code::kAborted);
  CHECK(c.DeleteResourceSlice(name, uid, Rv(*got)).code() == Status::Code::kAborted);
  CHECK(c.DeleteResourceSlice(name, uid, Rv(*updated)).ok());
  CHECK(c.GetResourceSlice(name).status().IsNotFound());
  CHECK(c.DeleteResourceSlice(name).ok());  // already gone counts as done
}

TEST_CASE("list with fieldSelector on driver and node", "[kube][integration]") {
  Rig rig;
  auto& c = *rig.client;
  REQUIRE(c.CreateResourceSlice(Slice("node-a")).ok());
  REQUIRE(c.CreateResourceSlice(Slice("node-a")).ok());
  REQUIRE(c.CreateResourceSlice(Slice("node-b")).ok());
  REQUIRE(c.CreateResourceSlice(Slice("node-a", "gpu.example.com")).ok());
  auto count = [&](SliceFilter f) {
    auto list = c.ListResourceSlices(f);
    REQUIRE(list.ok());
    return list->at("items").size();
  };
  CHECK(count({"dra.cpu", "node-a"}) == 2);
  CHECK(count({"dra.cpu", "node-b"}) == 1);
  CHECK(count({"dra.cpu", ""}) == 3);
  CHECK(count({"", "node-a"}) == 3);
  CHECK(count({}) == 4);
  CHECK(count({"dra.cpu", "node-c"}) == 0);
}

TEST_CASE("list follows continue tokens, every attempt is reported", "[kube][integration]") {
  Rig rig;
  ClusterConfig cfg;
  cfg.server = rig.server->url();
  KubeClient::Options o;
  o.list_page_size = 2;
  std::mutex mu;
  std::vector<int> codes;
  o.on_attempt = [&](const std::string& verb, int code, std::chrono::microseconds latency) {
    std::lock_guard<std::mutex> lock(mu);
    codes.push_back(code);
    CHECK(latency.count() >= 0);
  };
  auto client = KubeClient::Create(cfg, o);
  REQUIRE(client.ok());
  for (int i = 0; i < 5; ++i) REQUIRE((*client)->CreateResourceSlice(Slice("node-a")).ok());
  auto list = (*client)->ListResourceSlices({"dra.cpu", "node-a"});
  REQUIRE(list.ok());
  CHECK(list->at("items").size() == 5);
  CHECK(CountRequests(*rig.server, "GET /apis/resource.k8s.io/v1/resourceslices?limit=2") == 3);
  std::lock_guard<std::mutex> lock(mu);
  CHECK(codes == std::vector<int>{201, 201, 201, 201, 201, 200, 200, 200});
}

TEST_CASE("409 conflict: RetryOnConflict re-reads and succeeds", "[kube][integration]") {
  Rig rig;
  auto& c = *rig.client;
  auto created = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(created.ok());
  const std::string name = Name(*created);
  int attempts = 0;
  Status s = RetryOnConflict([&]() -> Status {
    ++attempts;
    auto current = c.GetResourceSlice(name);
    if (!current.ok()) return current.status();
    if (attempts == 1) {
      // Someone else writes between our read and our write.
      Json other = *current;
      other["spec"]["pool"]["generation"] = Json::number(7);
      REQUIRE(c.UpdateResourceSlice(other).ok());
    }
    Json mine = *current;
    mine["metadata"]["labels"]["owner"] = Json::string("me");
    return c.UpdateResourceSlice(mine).status();
  });
  CHECK(s.ok());
  CHECK(attempts == 2);
  auto final_obj = c.GetResourceSlice(name);
  REQUIRE(final_obj.ok());
  CHECK(JsonString(*final_obj, {"metadata", "labels", "owner"}) == "me");
  CHECK(final_obj->at("spec").at("pool").at("generation").as_integer() == 7);

  int calls = 0;
  Status always = RetryOnConflict(
      [&] {
        ++calls;
        return Status::Aborted("conflict");
      },
      3);
  CHECK(always.code() == Status::Code::kAborted);
  CHECK(calls == 3);
}

TEST_CASE("injected 500s are retried until success", "[kube][integration]") {
  Rig rig;
  Json node = Json::object();
  node["metadata"]["name"] = Json::string("node-a");
  REQUIRE(rig.server->store().Create("nodes", "", node).ok());
  Faults f;
  f.fail_next = 3;
  rig.server->SetFaults(f);
  auto got = rig.client->GetNode("node-a");
  REQUIRE(got.ok());
  CHECK(!JsonString(*got, {"metadata", "uid"}).empty());
  CHECK(CountRequests(*rig.server, "GET /api/v1/nodes/node-a") == 4);
}

TEST_CASE("429 honours Retry-After, then succeeds", "[kube][integration]") {
  Rig rig;
  Faults f;
  f.fail_next = 1;
  f.fail_code = 429;
  f.retry_after_seconds = 1;
  rig.server->SetFaults(f);
  const auto start = std::chrono::steady_clock::now();
  CHECK(rig.client->GetNode("node-a").status().IsNotFound());            // reached the server again
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(950));  // not the 10 ms backoff
  CHECK(CountRequests(*rig.server, "GET /api/v1/nodes/node-a") == 2);
}

TEST_CASE("persistent 500 fails with a clear status after the deadline", "[kube][integration]") {
  Rig rig;
  Faults f;
  f.fail_always = true;
  rig.server->SetFaults(f);
  auto client = rig.MakeClient(ResourceApiVersion::kV1, milliseconds(400));
  const auto start = std::chrono::steady_clock::now();
  auto got = client->GetResourceClaim("default", "claim-1");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(got.status().IsUnavailable());
  CHECK(got.status().message().find("GET /apis/resource.k8s.io/v1/namespaces/default/"
                                    "resourceclaims/claim-1") != std::string::npos);
  CHECK(got.status().message().find("HTTP 500") != std::string::npos);
  CHECK(got.status().message().find("gave up") != std::string::npos);
  CHECK(took < milliseconds(1500));
  CHECK(CountRequests(*rig.server, "GET") >= 3);  // it did retry
}

TEST_CASE("latency beyond the deadline gives DeadlineExceeded on time", "[kube][integration]") {
  Rig rig;
  Faults f;
  f.latency = milliseconds(1500);
  rig.server->SetFaults(f);
  auto client = rig.MakeClient(ResourceApiVersion::kV1, milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  auto got = client->GetNode("node-a");
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(got.status().code() == Status::Code::kDeadlineExceeded);
  CHECK(took < milliseconds(1000));
  // Latency under the deadline is fine.
  f.latency = milliseconds(50);
  rig.server->SetFaults(f);
  CHECK(client->GetNode("node-a").status().IsNotFound());
}

TEST_CASE("connection refused is retried, then Unavailable", "[kube][integration]") {
  Rig rig;
  const std::string url = rig.server->url();
  rig.server->Stop();
  ClusterConfig cfg;
  cfg.server = url;
  KubeClient::Options o;
  o.timeout = milliseconds(300);
  o.backoff = {milliseconds(10), milliseconds(50), 2.0, 0.2};
  auto client = KubeClient::Create(cfg, o);
  REQUIRE(client.ok());
  auto got = (*client)->GetNode("n");
  CHECK((got.status().IsUnavailable() || got.status().code() == Status::Code::kDeadlineExceeded));
}

TEST_CASE("claims and nodes, bad names never reach the wire", "[kube][integration]") {
  Rig rig;
  Json claim = Json::object();
  claim["metadata"]["name"] = Json::string("c1");
  REQUIRE(rig.server->store().Create("resourceclaims", "ns1", claim).ok());
  auto got = rig.client->GetResourceClaim("ns1", "c1");
  REQUIRE(got.ok());
  CHECK(JsonString(*got, {"metadata", "namespace"}) == "ns1");
  CHECK(rig.client->GetResourceClaim("ns2", "c1").status().IsNotFound());
  const size_t before = rig.server->RequestLog().size();
  CHECK(rig.client->GetResourceClaim("ns1", "../../nodes/x").status().IsInvalidArgument());
  CHECK(rig.client->GetNode("").status().IsInvalidArgument());
  CHECK(rig.server->RequestLog().size() == before);
}

TEST_CASE("API versions: paths follow the selected version, unserved gives NotFound",
          "[kube][integration]") {
  StandinOptions only_beta;
  only_beta.served_versions = {"v1beta1"};
  Rig rig(only_beta, ResourceApiVersion::kV1beta1);
  auto versions = rig.client->ServedResourceVersions();
  REQUIRE(versions.ok());
  CHECK(*versions == std::vector<std::string>{"v1beta1"});
  REQUIRE(rig.client->CreateResourceSlice(Slice("node-a")).ok());
  CHECK(CountRequests(*rig.server, "POST /apis/resource.k8s.io/v1beta1/resourceslices") == 1);
  auto v1 = rig.MakeClient(ResourceApiVersion::kV1);
  CHECK(v1->ListResourceSlices({}).status().IsNotFound());
}

struct Recorder {
  std::mutex mu;
  std::vector<std::string> log;  // "SYNC n" or "ADDED name" ...
  void Sync(const std::vector<Json>& items) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back("SYNC " + std::to_string(items.size()));
  }
  void Event(const WatchEvent& e) {
    static const char* kNames[] = {"ADDED", "MODIFIED", "DELETED"};
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(std::string(kNames[static_cast<int>(e.type)]) + " " + Name(e.object));
  }
  std::vector<std::string> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return log;
  }
  ListWatch::Handlers Handlers() {
    return {[this](const std::vector<Json>& items) { Sync(items); },
            [this](const WatchEvent& e) { Event(e); }};
  }
};

TEST_CASE("watch: sync, ADDED/MODIFIED/DELETED, bookmarks, resume after a dropped watch",
          "[kube][integration]") {
  StandinOptions options;
  options.bookmark_interval = milliseconds(100);
  Rig rig(options);
  auto& c = *rig.client;
  auto first = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(first.ok());
  REQUIRE(c.CreateResourceSlice(Slice("node-b")).ok());  // filtered out

  Recorder rec;
  ListWatch watch(&c, c.paths().ResourceSlices(),
                  SliceFilter{"dra.cpu", "node-a"}.ToFieldSelector(), rec.Handlers());
  watch.Start();
  REQUIRE(WaitFor([&] { return rec.Get().size() == 1; }));
  CHECK(rec.Get()[0] == "SYNC 1");

  auto second = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(second.ok());
  Json changed = *second;
  changed["spec"]["pool"]["generation"] = Json::number(2);
  REQUIRE(c.UpdateResourceSlice(changed).ok());
  REQUIRE(c.DeleteResourceSlice(Name(*first)).ok());
  REQUIRE(WaitFor([&] { return rec.Get().size() == 4; }));
  CHECK(rec.Get() == std::vector<std::string>{"SYNC 1", "ADDED " + Name(*second),
                                              "MODIFIED " + Name(*second),
                                              "DELETED " + Name(*first)});
  REQUIRE(WaitFor([&] { return watch.stats().bookmarks >= 2; }));

  // Drop the stream; changes made meanwhile arrive once, without a re-list.
  const std::string resume_rv = watch.stats().resource_version;
  rig.server->DropWatches();
  auto third = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(third.ok());
  REQUIRE(WaitFor([&] { return rec.Get().size() == 5; }));
  CHECK(rec.Get().back() == "ADDED " + Name(*third));
  std::this_thread::sleep_for(milliseconds(200));
  CHECK(rec.Get().size() == 5);  // nothing replayed twice
  const auto stats = watch.stats();
  CHECK(stats.lists == 1);
  CHECK(stats.watches >= 2);
  CHECK(stats.gone == 0);
  CHECK(stats.events == 4);
  // The second watch asked for the version the first one had reached (or a later bookmark).
  bool resumed = false;
  for (const auto& line : rig.server->RequestLog()) {
    auto pos = line.find("resourceVersion=");
    if (line.find("watch=1") == std::string::npos || pos == std::string::npos) continue;
    const long long rv = std::atoll(line.c_str() + pos + 16);
    resumed = resumed || rv >= std::atoll(resume_rv.c_str());
  }
  CHECK(resumed);
  watch.Stop();
}

TEST_CASE("watch: 410 Gone after compaction makes it list again", "[kube][integration]") {
  StandinOptions options;
  options.bookmark_interval = std::chrono::hours(1);  // no bookmark may advance the version
  SECTION("as an ERROR event") {}
  SECTION("as an HTTP 410 answer") { options.gone_as_http_status = true; }
  Rig rig(options);
  auto& c = *rig.client;
  REQUIRE(c.CreateResourceSlice(Slice("node-a")).ok());
  Recorder rec;
  ListWatch watch(&c, c.paths().ResourceSlices(),
                  SliceFilter{"dra.cpu", "node-a"}.ToFieldSelector(), rec.Handlers());
  watch.Start();
  REQUIRE(WaitFor([&] { return rec.Get().size() == 1; }));
  // A change the watch does not see (other node), then compaction past the watch's version.
  REQUIRE(c.CreateResourceSlice(Slice("node-b")).ok());
  auto missed = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(missed.ok());
  REQUIRE(WaitFor([&] { return rec.Get().size() == 2; }));
  REQUIRE(c.CreateResourceSlice(Slice("node-b")).ok());
  rig.server->CompactHistory();
  rig.server->DropWatches();
  REQUIRE(WaitFor([&] { return watch.stats().lists == 2; }));
  CHECK(watch.stats().gone >= 1);
  CHECK(rec.Get().back() == "SYNC 2");
  // And it keeps watching after the re-list.
  auto after = c.CreateResourceSlice(Slice("node-a"));
  REQUIRE(after.ok());
  REQUIRE(WaitFor([&] { return rec.Get().back() == "ADDED " + Name(*after); }));
  watch.Stop();
}

TEST_CASE("watch survives injected 500s on list", "[kube][integration]") {
  Rig rig;
  auto client = rig.MakeClient(ResourceApiVersion::kV1, milliseconds(200));
  Faults f;
  f.fail_always = true;
  rig.server->SetFaults(f);
  Recorder rec;
  ListWatch::Options wo;
  wo.backoff = {milliseconds(20), milliseconds(100), 2.0, 0.2};
  ListWatch watch(client.get(), client->paths().ResourceSlices(), "", rec.Handlers(), wo);
  watch.Start();
  std::this_thread::sleep_for(milliseconds(500));
  CHECK(rec.Get().empty());
  rig.server->SetFaults(Faults());
  REQUIRE(WaitFor([&] { return rec.Get().size() == 1; }));
  watch.Stop();
}

std::string TempDir();

TEST_CASE("bearer token from a file, a 401 re-reads it once", "[kube][integration]") {
  StandinOptions options;
  options.bearer_token = "good-token";
  Rig rig(options);
  const std::string dir = TempDir();
  const std::string file = dir + "/token";
  { std::ofstream(file) << "stale-token\n"; }
  ClusterConfig cfg;
  cfg.server = rig.server->url();
  cfg.token_file = file;
  KubeClient::Options o;
  o.timeout = milliseconds(1000);
  auto client = KubeClient::Create(cfg, o);
  REQUIRE(client.ok());
  auto denied = (*client)->GetNode("node-a");
  CHECK(denied.status().IsPermissionDenied());
  CHECK(denied.status().message().find("401") != std::string::npos);
  CHECK((*client)->transport().tokens().reads() == 2);  // re-read after the 401, once
  CHECK(CountRequests(*rig.server, "GET /api/v1/nodes/node-a") == 2);

  // The kubelet rotates the token: the next call picks it up without a restart.
  { std::ofstream(file + ".new") << "good-token\n"; }
  REQUIRE(rename((file + ".new").c_str(), file.c_str()) == 0);
  CHECK((*client)->GetNode("node-a").status().IsNotFound());  // authenticated, no such node
}

std::string TempDir() {
  char tmpl[] = "/tmp/dracpu-kube-tls-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

TEST_CASE("HTTPS: the server is verified against the cluster CA", "[kube][integration]") {
  const std::string dir = TempDir();
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  StandinOptions options;
  options.tls_cert_file = dir + "/cert.pem";
  options.tls_key_file = dir + "/key.pem";
  auto server = ApiServerStandin::Start(options);
  REQUIRE(server.ok());
  CHECK((*server)->url().rfind("https://", 0) == 0);
  Json node = Json::object();
  node["metadata"]["name"] = Json::string("node-a");
  REQUIRE((*server)->store().Create("nodes", "", node).ok());

  auto get_node = [&](ClusterConfig cfg) {
    cfg.server = (*server)->url();
    KubeClient::Options o;
    o.timeout = milliseconds(1500);
    o.backoff = {milliseconds(10), milliseconds(50), 2.0, 0.2};
    auto client = KubeClient::Create(cfg, o);
    REQUIRE(client.ok());
    return (*client)->GetNode("node-a").status();
  };
  ClusterConfig with_ca_file;
  with_ca_file.ca_file = dir + "/cert.pem";
  CHECK(get_node(with_ca_file).ok());

  // The same CA inline, as certificate-authority-data in a kubeconfig.
  std::ifstream pem(dir + "/cert.pem");
  std::string pem_text((std::istreambuf_iterator<char>(pem)), std::istreambuf_iterator<char>());
  ClusterConfig with_ca_data;
  with_ca_data.ca_pem = pem_text;
  CHECK(get_node(with_ca_data).ok());

  ClusterConfig no_ca;  // system roots do not know the throwaway CA
  Status refused = get_node(no_ca);
  CHECK_FALSE(refused.ok());

  ClusterConfig insecure;
  insecure.insecure_skip_tls_verify = true;
  CHECK(get_node(insecure).ok());

  ClusterConfig bad_ca;
  bad_ca.ca_file = dir + "/absent.pem";
  bad_ca.server = (*server)->url();
  CHECK(KubeClient::Create(bad_ca, {}).status().IsInvalidArgument());
}

TEST_CASE("mutual TLS from a kubeconfig file: CA path, client cert path, key inline",
          "[kube][integration]") {
  const std::string dir = TempDir();
  const std::string gen =
      "cd " + dir +
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem >/dev/null 2>&1"
      " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=dracpu-driver "
      "-keyout client-key.pem -out client-cert.pem >/dev/null 2>&1"
      " && openssl base64 -A -in client-key.pem -out client-key.b64";
  REQUIRE(std::system(gen.c_str()) == 0);
  StandinOptions options;
  options.tls_cert_file = dir + "/cert.pem";
  options.tls_key_file = dir + "/key.pem";
  options.tls_client_ca_file = dir + "/client-cert.pem";
  auto server = ApiServerStandin::Start(options);
  REQUIRE(server.ok());

  std::ifstream b64(dir + "/client-key.b64");
  std::string key_data((std::istreambuf_iterator<char>(b64)), std::istreambuf_iterator<char>());
  {
    std::ofstream kc(dir + "/kubeconfig");
    kc << "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
       << "contexts: [{name: t, context: {cluster: c, user: u}}]\n"
       << "clusters: [{name: c, cluster: {server: \"" << (*server)->url()
       << "\", certificate-authority: cert.pem}}]\n"
       << "users: [{name: u, user: {client-certificate: client-cert.pem, client-key-data: \""
       << key_data << "\"}}]\n";
  }
  auto cfg = LoadKubeconfig(dir + "/kubeconfig");
  REQUIRE(cfg.ok());
  KubeClient::Options o;
  o.timeout = milliseconds(1500);
  o.backoff = {milliseconds(10), milliseconds(50), 2.0, 0.2};
  auto client = KubeClient::Create(*cfg, o);
  REQUIRE(client.ok());
  CHECK((*client)->GetNode("node-a").status().IsNotFound());  // TLS both ways, then a 404

  ClusterConfig no_client_cert = *cfg;
  no_client_cert.client_cert_file.clear();
  no_client_cert.client_key_pem.clear();
  auto anonymous = KubeClient::Create(no_client_cert, o);
  REQUIRE(anonymous.ok());
  Status refused = (*anonymous)->GetNode("node-a").status();
  CHECK((refused.IsUnavailable() || refused.code() == Status::Code::kDeadlineExceeded));
}

}  // namespace
}  // namespace dracpu::kube
