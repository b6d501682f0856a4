// Unit tests of the pure parts of the client: kubeconfig / in-cluster parsing, token
// re-reading, backoff schedule, paths per API version, error mapping.

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <thread>

#include "driver/kube/api_paths.h"
#include "driver/kube/backoff.h"
#include "driver/kube/cluster_config.h"
#include "driver/kube/kube_client.h"
#include "driver/kube/token_source.h"

namespace dracpu::kube {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/dracpu-kube-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const char* kKubeconfig = R"(apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: team}
- name: other
  context: {cluster: c2, user: u2}
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTg==
- name: c2
  cluster:
    server: https://[fd00::1]:443
    certificate-authority: certs/ca.pem
    insecure-skip-tls-verify: true
    tls-server-name: kubernetes.default
users:
- name: u1
  user:
    token: abc.def
- name: u2
  user:
    client-certificate: /abs/cert.pem
    client-key: key.pem
    tokenFile: tok
)";

TEST_CASE("kubeconfig: current context with inline CA and token", "[kube]") {
  auto cfg = ParseKubeconfig(kKubeconfig, "/home/me/.kube");
  REQUIRE(cfg.ok());
  CHECK(cfg->server == "https://10.0.0.1:6443");
  CHECK(cfg->ca_pem == "-----BEGIN");
  CHECK(cfg->ca_file.empty());
  CHECK(cfg->token == "abc.def");
  CHECK(cfg->ns == "team");
  CHECK_FALSE(cfg->insecure_skip_tls_verify);
}

TEST_CASE("kubeconfig: named context, relative paths resolved against the file's folder",
          "[kube]") {
  auto cfg = ParseKubeconfig(kKubeconfig, "/home/me/.kube", "other");
  REQUIRE(cfg.ok());
  CHECK(cfg->server == "https://[fd00::1]:443");
  CHECK(cfg->ca_file == "/home/me/.kube/certs/ca.pem");
  CHECK(cfg->insecure_skip_tls_verify);
  CHECK(cfg->tls_server_name == "kubernetes.default");
  CHECK(cfg->client_cert_file == "/abs/cert.pem");
  CHECK(cfg->client_key_file == "/home/me/.kube/key.pem");
  CHECK(cfg->token_file == "/home/me/.kube/tok");
}

TEST_CASE("kubeconfig: errors name the problem", "[kube]") {
  CHECK(ParseKubeconfig(kKubeconfig, "", "missing").status().message().find("missing") !=
        std::string::npos);
  CHECK(ParseKubeconfig("{{{", "").status().IsInvalidArgument());
  CHECK(ParseKubeconfig("- a\n- b\n", "").status().IsInvalidArgument());
  const std::string exec = R"(current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {exec: {command: aws}}}]
)";
  auto s = ParseKubeconfig(exec, "").status();
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("exec") != std::string::npos);
  const std::string no_server = R"(current-context: x
contexts: [{name: x, context: {cluster: c}}]
clusters: [{name: c, cluster: {}}]
)";
  CHECK(ParseKubeconfig(no_server, "").status().message().find("no server") != std::string::npos);
  const std::string bad_b64 = R"(current-context: x
contexts: [{name: x, context: {cluster: c}}]
clusters: [{name: c, cluster: {server: "https://h:1", certificate-authority-data: "@@@"}}]
)";
  CHECK(ParseKubeconfig(bad_b64, "").status().IsInvalidArgument());
}

TEST_CASE("kubeconfig: loaded from a file, JSON is accepted", "[kube]") {
  const std::string dir = TempDir();
  WriteFile(dir + "/config",
            R"({"current-context":"x","contexts":[{"name":"x","context":{"cluster":"c"}}],)"
            R"("clusters":[{"name":"c","cluster":{"server":"http://127.0.0.1:1",)"
            R"("certificate-authority":"ca.crt"}}]})");
  auto cfg = LoadKubeconfig(dir + "/config");
  REQUIRE(cfg.ok());
  CHECK(cfg->ca_file == dir + "/ca.crt");
  CHECK(LoadKubeconfig(dir + "/absent").status().IsNotFound());
}

TEST_CASE("base64 decoding", "[kube]") {
  CHECK(*DecodeBase64("aGVsbG8=") == "hello");
  CHECK(*DecodeBase64("aGVs\nbG8") == "hello");
  CHECK(*DecodeBase64("") == "");
  CHECK_FALSE(DecodeBase64("aGVsbG8=x").ok());
  CHECK_FALSE(DecodeBase64("a").ok());
}

TEST_CASE("in-cluster config from env and the service account folder", "[kube]") {
  const std::string dir = TempDir();
  WriteFile(dir + "/token", "tok1\n");
  WriteFile(dir + "/ca.crt", "pem");
  WriteFile(dir + "/namespace", "kube-system\n");
  auto cfg = InClusterConfig(
      dir, FakeEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  REQUIRE(cfg.ok());
  CHECK(cfg->server == "https://10.96.0.1:443");
  CHECK(cfg->token_file == dir + "/token");
  CHECK(cfg->ca_file == dir + "/ca.crt");
  CHECK(cfg->ns == "kube-system");

  auto v6 = InClusterConfig(
      dir, FakeEnv({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  REQUIRE(v6.ok());
  CHECK(v6->server == "https://[fd00::1]:6443");

  CHECK(InClusterConfig(dir, FakeEnv({})).status().code() == Status::Code::kFailedPrecondition);
  unlink((dir + "/ca.crt").c_str());
  CHECK(InClusterConfig(
            dir, FakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}}))
            .status()
            .IsNotFound());
}

TEST_CASE("ResolveClusterConfig prefers the flag, then in-cluster, then $KUBECONFIG", "[kube]") {
  const std::string dir = TempDir();
  WriteFile(dir + "/kc", kKubeconfig);
  auto from_env = ResolveClusterConfig("", FakeEnv({{"KUBECONFIG", dir + "/kc:/nope"}}));
  REQUIRE(from_env.ok());
  CHECK(from_env->server == "https://10.0.0.1:6443");
  auto from_flag = ResolveClusterConfig(dir + "/kc", FakeEnv({{"KUBERNETES_SERVICE_HOST", "h"}}));
  REQUIRE(from_flag.ok());
  CHECK(from_flag->token == "abc.def");
}

TEST_CASE("token file is re-read when it changes, not on every call", "[kube]") {
  const std::string dir = TempDir();
  const std::string file = dir + "/token";
  WriteFile(file, "first\n");
  TokenSource tokens("", file, std::chrono::seconds(3600));
  CHECK(*tokens.Token() == "first");
  CHECK(*tokens.Token() == "first");
  CHECK(tokens.reads() == 1);

  // The kubelet swaps the file; a new inode (rename over) is seen at once.
  WriteFile(file + ".new", "second");
  REQUIRE(rename((file + ".new").c_str(), file.c_str()) == 0);
  CHECK(*tokens.Token() == "second");
  CHECK(tokens.reads() == 2);

  tokens.Invalidate();  // as after a 401
  CHECK(*tokens.Token() == "second");
  CHECK(tokens.reads() == 3);

  // A vanished file keeps the last good token.
  unlink(file.c_str());
  CHECK(*tokens.Token() == "second");

  TokenSource absent("", dir + "/never");
  CHECK(absent.Token().status().IsNotFound());
  TokenSource literal("lit", "");
  CHECK(*literal.Token() == "lit");
}

TEST_CASE("token file is re-read after max_age even if unchanged", "[kube]") {
  const std::string dir = TempDir();
  WriteFile(dir + "/token", "t");
  TokenSource tokens("", dir + "/token", std::chrono::seconds(0));
  tokens.Token();
  tokens.Token();
  CHECK(tokens.reads() == 2);
}

TEST_CASE("backoff grows exponentially, is capped, and jitters within bounds", "[kube]") {
  BackoffPolicy p{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 2.0, 0.2};
  CHECK(BackoffDelay(p, 0, 0.5).count() == 100);
  CHECK(BackoffDelay(p, 1, 0.5).count() == 200);
  CHECK(BackoffDelay(p, 3, 0.5).count() == 800);
  CHECK(BackoffDelay(p, 4, 0.5).count() == 1000);
  CHECK(BackoffDelay(p, 60, 0.5).count() == 1000);  // no overflow
  CHECK(BackoffDelay(p, 0, 0.0).count() == 80);
  CHECK(BackoffDelay(p, 0, 1.0).count() == 120);
  CHECK(BackoffDelay(p, 10, 1.0).count() == 1000);  // jitter never exceeds the cap
  for (int i = 0; i < 100; ++i) {
    const double r = UnitRandom();
    CHECK(r >= 0.0);
    CHECK(r < 1.0);
  }
}

TEST_CASE("paths differ only in the group version", "[kube]") {
  ApiPaths v1(ResourceApiVersion::kV1);
  ApiPaths b1(*ParseResourceApiVersion("v1beta1"));
  CHECK(v1.ResourceSlices() == "/apis/resource.k8s.io/v1/resourceslices");
  CHECK(b1.ResourceSlice("s") == "/apis/resource.k8s.io/v1beta1/resourceslices/s");
  CHECK(ApiPaths(ResourceApiVersion::kV1beta2).ResourceClaim("ns", "c") ==
        "/apis/resource.k8s.io/v1beta2/namespaces/ns/resourceclaims/c");
  CHECK(v1.ResourceClaims("") == "/apis/resource.k8s.io/v1/resourceclaims");
  CHECK(v1.DeviceClass("dra.cpu") == "/apis/resource.k8s.io/v1/deviceclasses/dra.cpu");
  CHECK(ApiPaths::Node("n") == "/api/v1/nodes/n");
  CHECK(ResourceGroupVersion(ResourceApiVersion::kV1beta2) == "resource.k8s.io/v1beta2");
  CHECK(ParseResourceApiVersion("v2").status().IsInvalidArgument());
}

TEST_CASE("field selectors and query escaping", "[kube]") {
  SliceFilter f{"dra.cpu", "node-a"};
  CHECK(f.ToFieldSelector() == "spec.driver=dra.cpu,spec.nodeName=node-a");
  CHECK(QueryEscape(f.ToFieldSelector()) == "spec.driver%3Ddra.cpu%2Cspec.nodeName%3Dnode-a");
  CHECK(SliceFilter{}.ToFieldSelector().empty());
}

TEST_CASE("names from the network are validated before they reach a path", "[kube]") {
  CHECK(ValidatePathSegment("claim", "pod1-cpus-x7k2p").ok());
  CHECK_FALSE(ValidatePathSegment("claim", "").ok());
  CHECK_FALSE(ValidatePathSegment("claim", "../secrets").ok());
  CHECK_FALSE(ValidatePathSegment("claim", "a?watch=1").ok());
  CHECK_FALSE(ValidatePathSegment("claim", std::string(300, 'a')).ok());
}

TEST_CASE("HTTP errors map to Status codes carrying verb, path, code and reason", "[kube]") {
  const std::string conflict =
      R"({"kind":"Status","reason":"Conflict","message":"the object has been modified","code":409})";
  Status s = StatusFromHttp("PUT", "/x/y", 409, conflict);
  CHECK(s.code() == Status::Code::kAborted);
  CHECK(s.message() == "PUT /x/y: HTTP 409 Conflict: the object has been modified");
  CHECK(StatusFromHttp("POST", "/x", 409, R"({"reason":"AlreadyExists"})").code() ==
        Status::Code::kAlreadyExists);
  CHECK(StatusFromHttp("GET", "/x", 404, "").IsNotFound());
  CHECK(StatusFromHttp("GET", "/x", 410, "").code() == Status::Code::kFailedPrecondition);
  CHECK(StatusFromHttp("GET", "/x", 422, "").IsInvalidArgument());
  CHECK(StatusFromHttp("GET", "/x", 403, "").IsPermissionDenied());
  CHECK(StatusFromHttp("GET", "/x", 503, "oops").IsUnavailable());
  CHECK(StatusFromHttp("GET", "/x", 429, "").IsUnavailable());
  CHECK(StatusFromHttp("GET", "/x", 418, "").code() == Status::Code::kInternal);
}

}  // namespace
}  // namespace dracpu::kube
