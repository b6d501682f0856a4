// The settings of the two binaries, from a YAML file (--config) and flags; flags win.
// The generic mechanism (forms, precedence, error wording) is flags.h; this module lists the
// settings. Keys are the flag's lowerCamelCase with Kubernetes-style acronyms:
//
// dracpu-driver                              dracpu-nri
//   --node-name          nodeName              --nri-socket    nriSocket
//   --sysfs-root         sysfsRoot             --plugin-name   pluginName
//   --proc-root          procRoot              --plugin-index  pluginIndex
//   --cdi-dir            cdiDir              both binaries:
//   --kubelet-registry-dir kubeletRegistryDir  --config (flag only), --state-dir stateDir,
//   --kubelet-plugins-dir  kubeletPluginsDir   --http-port httpPort, -v v,
//   --cpu-device-mode    cpuDeviceMode         --logtostderr logtostderr
//   --group-by           groupBy
//   --reserved-cpus      reservedCPUs
//   --full-cores         fullCores
//   --spread-numa        spreadNUMA
//   --resource-api-version resourceAPIVersion
//   --kubeconfig         kubeconfig
//
// The node name defaults to $NODE_NAME (the downward API), then file, then flag.

#ifndef DRACPU_COMMON_CONFIG_H_
#define DRACPU_COMMON_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/device_layout_choice.h"
#include "common/flags.h"
#include "common/status.h"

namespace dracpu {

// Reads an environment variable; injectable so tests do not depend on the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> RealEnv(const std::string& name);

// Settings both binaries have.
struct SharedConfig {
  std::string config_path;
  std::string state_dir = "/var/lib/dra-cpu";
  int http_port = 0;        // 0 = pick a free port (tests); each binary sets its default
  int verbosity = 0;        // glog -v
  bool logtostderr = true;  // containers: logs go to kubectl logs, not files
  bool help = false;        // -h/--help was given: print usage and exit 0

  static SharedConfig WithPort(int port) {
    SharedConfig c;
    c.http_port = port;
    return c;
  }
};

struct DriverConfig {
  SharedConfig shared = SharedConfig::WithPort(8081);
  std::string node_name;
  std::string sysfs_root = "/sys";
  std::string proc_root = "/proc";
  std::string cdi_dir = "/var/run/cdi";
  std::string kubelet_registry_dir = "/var/lib/kubelet/plugins_registry";
  std::string kubelet_plugins_dir = "/var/lib/kubelet/plugins";
  CpuDeviceMode cpu_device_mode = CpuDeviceMode::kGrouped;
  GroupBy group_by = GroupBy::kNumaNode;
  CpuSet reserved_cpus;
  bool full_cores = false;
  bool spread_numa = false;
  // "auto" (discover what the API server serves) or v1, v1beta2, v1beta1.
  std::string resource_api_version = "auto";
  std::string kubeconfig;  // empty = in-cluster service account
  // Positional arguments: empty (run the driver) or {"gatherinfo"}.
  std::vector<std::string> subcommand;
};

struct NriConfig {
  SharedConfig shared = SharedConfig::WithPort(8082);
  std::string nri_socket = "/var/run/nri/nri.sock";
  std::string plugin_name = "dracpu";
  std::string plugin_index = "00";  // two digits: the runtime orders plugins by it
};

// `args` excludes argv[0]. Refuses unknown flags and keys, bad values (naming the key), a
// missing node name when the driver itself is to run, and positional arguments other than the
// "gatherinfo" subcommand.
StatusOr<DriverConfig> ParseDriverConfig(const std::vector<std::string>& args,
                                         const EnvLookup& env = RealEnv);
StatusOr<NriConfig> ParseNriConfig(const std::vector<std::string>& args);

// --help text.
std::string DriverUsage();
std::string NriUsage();

// argv as the vector the parsers take (argv[0] dropped).
std::vector<std::string> ArgsFromArgv(int argc, char** argv);

}  // namespace dracpu

#endif  // DRACPU_COMMON_CONFIG_H_
