#include "common/config.h"

#include <cstdlib>

namespace dracpu {
namespace {

void AddShared(SharedConfig* c, std::vector<Setting>* t) {
  t->push_back(StringSetting("config", "", &c->config_path, "YAML file with these settings"));
  t->push_back(NonEmptySetting("state-dir", "stateDir", &c->state_dir,
                               "folder of the state file shared by driver and nri-plugin"));
  t->push_back(IntSetting("http-port", "httpPort", &c->http_port, 0, 65535,
                          "healthz and metrics port; 0 picks a free one"));
  t->push_back(IntSetting("v", "v", &c->verbosity, 0, 10, "glog verbosity"));
  t->push_back(BoolSetting("logtostderr", "logtostderr", &c->logtostderr,
                           "log to stderr rather than files"));
}

std::vector<Setting> DriverTable(DriverConfig* c) {
  std::vector<Setting> t;
  AddShared(&c->shared, &t);
  t.push_back(NonEmptySetting("node-name", "nodeName", &c->node_name,
                              "this node's name (default $NODE_NAME)"));
  t.push_back(NonEmptySetting("sysfs-root", "sysfsRoot", &c->sysfs_root, "where sysfs is"));
  t.push_back(NonEmptySetting("proc-root", "procRoot", &c->proc_root, "where procfs is"));
  t.push_back(NonEmptySetting("cdi-dir", "cdiDir", &c->cdi_dir, "CDI spec folder"));
  t.push_back(NonEmptySetting("kubelet-registry-dir", "kubeletRegistryDir",
                              &c->kubelet_registry_dir, "kubelet plugin registration folder"));
  t.push_back(NonEmptySetting("kubelet-plugins-dir", "kubeletPluginsDir", &c->kubelet_plugins_dir,
                              "kubelet plugins folder (the DRA socket goes in dra.cpu/)"));
  t.push_back(EnumSetting<CpuDeviceMode>(
      "cpu-device-mode", "cpuDeviceMode", &c->cpu_device_mode,
      {{"grouped", CpuDeviceMode::kGrouped}, {"individual", CpuDeviceMode::kIndividual}},
      "one device per group, or per CPU"));
  t.push_back(EnumSetting<GroupBy>("group-by", "groupBy", &c->group_by,
                                   {{"numanode", GroupBy::kNumaNode},
                                    {"socket", GroupBy::kSocket},
                                    {"machine", GroupBy::kMachine}},
                                   "grouping of CPUs in grouped mode"));
  t.push_back(Setting{"reserved-cpus", "reservedCPUs", false,
                      "CPUs left to system daemons: never exclusive, not shared (cpulist)",
                      [c](const std::string& v) -> Status {
                        StatusOr<CpuSet> set = CpuSet::Parse(v);
                        if (!set.ok()) return set.status();
                        c->reserved_cpus = *set;
                        return Status::OK();
                      }});
  t.push_back(
      BoolSetting("full-cores", "fullCores", &c->full_cores, "never split a core between claims"));
  t.push_back(BoolSetting("spread-numa", "spreadNUMA", &c->spread_numa,
                          "spread a claim evenly over the NUMA nodes of its group"));
  t.push_back(Setting{"resource-api-version", "resourceAPIVersion", false,
                      "resource.k8s.io version to use (auto|v1|v1beta2|v1beta1)",
                      [c](const std::string& v) -> Status {
                        if (v != "auto" && v != "v1" && v != "v1beta2" && v != "v1beta1") {
                          return Status::InvalidArgument(
                              "\"" + v + "\" is not one of auto|v1|v1beta2|v1beta1");
                        }
                        c->resource_api_version = v;
                        return Status::OK();
                      }});
  t.push_back(StringSetting("kubeconfig", "kubeconfig", &c->kubeconfig,
                            "kubeconfig file; empty = in-cluster service account"));
  return t;
}

std::vector<Setting> NriTable(NriConfig* c) {
  std::vector<Setting> t;
  AddShared(&c->shared, &t);
  t.push_back(
      NonEmptySetting("nri-socket", "nriSocket", &c->nri_socket, "the runtime's NRI socket"));
  t.push_back(Setting{
      "plugin-name", "pluginName", false, "NRI plugin name", [c](const std::string& v) -> Status {
        bool ok = !v.empty() && v.size() <= 64;
        for (char ch : v) {
          ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.');
        }
        if (!ok) return Status::InvalidArgument("\"" + v + "\" is not a plugin name");
        c->plugin_name = v;
        return Status::OK();
      }});
  t.push_back(Setting{"plugin-index", "pluginIndex", false, "NRI plugin index (two digits)",
                      [c](const std::string& v) -> Status {
                        if (v.size() != 2 || v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9') {
                          return Status::InvalidArgument("\"" + v + "\" is not two digits");
                        }
                        c->plugin_index = v;
                        return Status::OK();
                      }});
  return t;
}

}  // namespace

std::optional<std::string> RealEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

StatusOr<DriverConfig> ParseDriverConfig(const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  DriverConfig c;
  if (std::optional<std::string> node = env("NODE_NAME"); node && !node->empty()) {
    c.node_name = *node;
  }
  std::vector<Setting> table = DriverTable(&c);
  StatusOr<CommandLine> cmd = ParseSettings(table, args, "config");
  if (!cmd.ok()) return cmd.status();
  c.shared.help = cmd->help;
  if (c.shared.help) return c;
  c.subcommand = cmd->positional;
  if (!c.subcommand.empty() && (c.subcommand[0] != "gatherinfo" || c.subcommand.size() > 1)) {
    return Status::InvalidArgument("unexpected argument \"" + c.subcommand[0] +
                                   "\" (the only subcommand is gatherinfo)");
  }
  if (c.subcommand.empty() && c.node_name.empty()) {
    return Status::InvalidArgument(
        "node name not set: give --node-name (nodeName) or set $NODE_NAME");
  }
  return c;
}

StatusOr<NriConfig> ParseNriConfig(const std::vector<std::string>& args) {
  NriConfig c;
  std::vector<Setting> table = NriTable(&c);
  StatusOr<CommandLine> cmd = ParseSettings(table, args, "config");
  if (!cmd.ok()) return cmd.status();
  c.shared.help = cmd->help;
  if (!c.shared.help && !cmd->positional.empty()) {
    return Status::InvalidArgument("unexpected argument \"" + cmd->positional[0] + "\"");
  }
  return c;
}

std::string DriverUsage() {
  DriverConfig c;
  return "Usage: dracpu-driver [flags] [gatherinfo]\n" + Usage(DriverTable(&c));
}

std::string NriUsage() {
  NriConfig c;
  return "Usage: dracpu-nri [flags]\n" + Usage(NriTable(&c));
}

std::vector<std::string> ArgsFromArgv(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

}  // namespace dracpu
