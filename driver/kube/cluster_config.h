// Where the API server is and how to authenticate to it: from a kubeconfig file (development,
// tests) or from the pod's service account (in cluster).
//
// Parsing is pure (ParseKubeconfig takes the text); the loaders only read files and the
// environment. Credentials given inline (`*-data`) are decoded to PEM here, so the transport
// needs only PEM text or file paths.

#ifndef DRACPU_DRIVER_KUBE_CLUSTER_CONFIG_H_
#define DRACPU_DRIVER_KUBE_CLUSTER_CONFIG_H_

#include <functional>
#include <optional>
#include <string>

#include "common/status.h"

namespace dracpu::kube {

struct ClusterConfig {
  std::string server;  // "https://host:port" or "http://host:port" (tests)
  // Server verification: CA as a file path or as PEM text (at most one is set).
  std::string ca_file;
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // recorded; cpprestsdk verifies against the URL host
  // Bearer token: literal, or a file re-read when it changes (service account tokens rotate).
  std::string token;
  std::string token_file;
  // Mutual TLS: file paths or PEM text.
  std::string client_cert_file;
  std::string client_cert_pem;
  std::string client_key_file;
  std::string client_key_pem;
  std::string ns;  // the context's namespace, or the service account's
};

// Parses a kubeconfig (YAML or JSON). Relative file paths are taken relative to `base_dir`
// (the folder of the kubeconfig file). `context` empty = current-context.
// Exec and auth-provider users are refused with InvalidArgument (out of scope).
StatusOr<ClusterConfig> ParseKubeconfig(const std::string& text, const std::string& base_dir,
                                        const std::string& context = "");

// Reads and parses a kubeconfig file.
StatusOr<ClusterConfig> LoadKubeconfig(const std::string& path, const std::string& context = "");

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnv();

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

// In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT (IPv6 hosts bracketed), token file
// `<sa_dir>/token` (read lazily by the TokenSource), CA `<sa_dir>/ca.crt`, namespace file.
// REQUIRES: both env variables set, token and CA files present.
StatusOr<ClusterConfig> InClusterConfig(const std::string& sa_dir = kServiceAccountDir,
                                        const EnvLookup& env = ProcessEnv());

// The driver's choice: --kubeconfig if given, else in cluster if KUBERNETES_SERVICE_HOST is
// set, else $KUBECONFIG (first entry), else ~/.kube/config.
StatusOr<ClusterConfig> ResolveClusterConfig(const std::string& kubeconfig_flag,
                                             const EnvLookup& env = ProcessEnv());

// Base64 (standard alphabet, padding optional, whitespace ignored). Pure; exposed for tests.
StatusOr<std::string> DecodeBase64(const std::string& text);

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_CLUSTER_CONFIG_H_
