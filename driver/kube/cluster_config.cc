#include "driver/kube/cluster_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dracpu::kube {
namespace {

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path);
  return out.str();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// Finds the entry of `list` (a sequence of {name, <key>: {...}}) called `name`.
StatusOr<YAML::Node> FindNamed(const YAML::Node& root, const char* list, const char* key,
                               const std::string& name) {
  const YAML::Node seq = root[list];
  if (seq && seq.IsSequence()) {
    for (const auto& entry : seq) {
      if (entry["name"] && entry["name"].as<std::string>() == name) {
        const YAML::Node body = entry[key];
        if (!body || !body.IsMap()) {
          return Status::InvalidArgument(std::string("kubeconfig: ") + list + " entry \"" + name +
                                         "\" has no " + key);
        }
        return body;
      }
    }
  }
  return Status::InvalidArgument(std::string("kubeconfig: no ") + list + " entry named \"" + name +
                                 "\"");
}

std::string Str(const YAML::Node& map, const char* key) {
  const YAML::Node v = map[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

Status DecodeInto(const YAML::Node& map, const char* key, std::string* out) {
  const std::string data = Str(map, key);
  if (data.empty()) return Status::OK();
  auto decoded = DecodeBase64(data);
  if (!decoded.ok()) return decoded.status().Annotate(std::string("kubeconfig ") + key);
  *out = std::move(decoded).value();
  return Status::OK();
}

StatusOr<ClusterConfig> ParseKubeconfigNode(const YAML::Node& root, const std::string& base_dir,
                                            const std::string& context_name) {
  std::string ctx_name = context_name.empty() ? Str(root, "current-context") : context_name;
  if (ctx_name.empty()) return Status::InvalidArgument("kubeconfig: no current-context");
  auto ctx = FindNamed(root, "contexts", "context", ctx_name);
  if (!ctx.ok()) return ctx.status();
  const std::string cluster_name = Str(*ctx, "cluster");
  const std::string user_name = Str(*ctx, "user");
  auto cluster = FindNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster.ok()) return cluster.status();

  ClusterConfig cfg;
  cfg.ns = Str(*ctx, "namespace");
  cfg.server = Str(*cluster, "server");
  if (cfg.server.empty()) {
    return Status::InvalidArgument("kubeconfig: cluster \"" + cluster_name + "\" has no server");
  }
  cfg.ca_file = Resolve(base_dir, Str(*cluster, "certificate-authority"));
  DRACPU_RETURN_IF_ERROR(DecodeInto(*cluster, "certificate-authority-data", &cfg.ca_pem));
  if (!cfg.ca_pem.empty()) cfg.ca_file.clear();  // inline data wins, as in client-go
  cfg.insecure_skip_tls_verify =
      (*cluster)["insecure-skip-tls-verify"] && (*cluster)["insecure-skip-tls-verify"].as<bool>();
  cfg.tls_server_name = Str(*cluster, "tls-server-name");

  if (!user_name.empty()) {
    auto user = FindNamed(root, "users", "user", user_name);
    if (!user.ok()) return user.status();
    if ((*user)["exec"] || (*user)["auth-provider"]) {
      return Status::InvalidArgument("kubeconfig: user \"" + user_name +
                                     "\" uses exec/auth-provider plugins, which are not supported;"
                                     " use a token or client certificate");
    }
    cfg.token = Str(*user, "token");
    cfg.token_file = Resolve(base_dir, Str(*user, "tokenFile"));
    cfg.client_cert_file = Resolve(base_dir, Str(*user, "client-certificate"));
    cfg.client_key_file = Resolve(base_dir, Str(*user, "client-key"));
    DRACPU_RETURN_IF_ERROR(DecodeInto(*user, "client-certificate-data", &cfg.client_cert_pem));
    DRACPU_RETURN_IF_ERROR(DecodeInto(*user, "client-key-data", &cfg.client_key_pem));
    if (!cfg.client_cert_pem.empty()) cfg.client_cert_file.clear();
    if (!cfg.client_key_pem.empty()) cfg.client_key_file.clear();
  }
  return cfg;
}

}  // namespace

StatusOr<std::string> DecodeBase64(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  bool padding = false;
  for (char c : text) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=') {
      padding = true;
      continue;
    } else if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
      continue;
    else
      return Status::InvalidArgument("base64: invalid character");
    if (padding) return Status::InvalidArgument("base64: data after padding");
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (bits >= 6) return Status::InvalidArgument("base64: truncated input");
  return out;
}

StatusOr<ClusterConfig> ParseKubeconfig(const std::string& text, const std::string& base_dir,
                                        const std::string& context) {
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Status::InvalidArgument("kubeconfig: not a mapping");
    return ParseKubeconfigNode(root, base_dir, context);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("kubeconfig: ") + e.what());
  }
}

StatusOr<ClusterConfig> LoadKubeconfig(const std::string& path, const std::string& context) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status().Annotate("kubeconfig");
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  auto cfg = ParseKubeconfig(*text, dir, context);
  if (!cfg.ok()) return cfg.status().Annotate(path);
  return cfg;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

StatusOr<ClusterConfig> InClusterConfig(const std::string& sa_dir, const EnvLookup& env) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  auto port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return Status::FailedPrecondition(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  ClusterConfig cfg;
  const bool ipv6 = host->find(':') != std::string::npos;
  cfg.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  cfg.token_file = sa_dir + "/token";
  cfg.ca_file = sa_dir + "/ca.crt";
  for (const std::string& f : {cfg.token_file, cfg.ca_file}) {
    if (!std::ifstream(f)) return Status::NotFound("in-cluster config: cannot open " + f);
  }
  auto ns = ReadWholeFile(sa_dir + "/namespace");
  if (ns.ok()) {
    cfg.ns = *ns;
    while (!cfg.ns.empty() && std::isspace(static_cast<unsigned char>(cfg.ns.back()))) {
      cfg.ns.pop_back();
    }
  }
  return cfg;
}

StatusOr<ClusterConfig> ResolveClusterConfig(const std::string& kubeconfig_flag,
                                             const EnvLookup& env) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag);
  if (auto host = env("KUBERNETES_SERVICE_HOST"); host && !host->empty()) {
    return InClusterConfig(kServiceAccountDir, env);
  }
  if (auto list = env("KUBECONFIG"); list && !list->empty()) {
    return LoadKubeconfig(list->substr(0, list->find(':')));
  }
  auto home = env("HOME");
  if (!home) return Status::FailedPrecondition("no kubeconfig, no in-cluster env, no $HOME");
  return LoadKubeconfig(*home + "/.kube/config");
}

}  // namespace dracpu::kube
