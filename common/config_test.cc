#include "common/config.h"

#include <glog/logging.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/logging.h"
#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kNodeEnv = FakeEnv({{"NODE_NAME", "env-node"}});

std::string WriteConfig(const testing::TempDir& tmp, const std::string& yaml) {
  std::string path = tmp.Sub("config.yaml");
  std::ofstream(path) << yaml;
  return path;
}

bool Contains(const Status& st, const std::string& what) {
  return st.message().find(what) != std::string::npos;
}

TEST_CASE("Driver config defaults and NODE_NAME", "[config]") {
  StatusOr<DriverConfig> c = ParseDriverConfig({}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->node_name == "env-node");
  CHECK(c->sysfs_root == "/sys");
  CHECK(c->proc_root == "/proc");
  CHECK(c->shared.state_dir == "/var/lib/dra-cpu");
  CHECK(c->cdi_dir == "/var/run/cdi");
  CHECK(c->kubelet_registry_dir == "/var/lib/kubelet/plugins_registry");
  CHECK(c->kubelet_plugins_dir == "/var/lib/kubelet/plugins");
  CHECK(c->cpu_device_mode == CpuDeviceMode::kGrouped);
  CHECK(c->group_by == GroupBy::kNumaNode);
  CHECK(c->reserved_cpus.Empty());
  CHECK(!c->full_cores);
  CHECK(!c->spread_numa);
  CHECK(c->resource_api_version == "auto");
  CHECK(c->shared.http_port == 8081);
  CHECK(c->shared.verbosity == 0);
  CHECK(c->shared.logtostderr);
  CHECK(c->subcommand.empty());

  // The flag beats the environment.
  c = ParseDriverConfig({"--node-name=flag-node"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->node_name == "flag-node");

  // No node name at all: refused, unless only gatherinfo is asked for.
  StatusOr<DriverConfig> none = ParseDriverConfig({}, FakeEnv({}));
  REQUIRE(!none.ok());
  CHECK(Contains(none.status(), "--node-name"));
  CHECK(Contains(none.status(), "NODE_NAME"));
  StatusOr<DriverConfig> gather =
      ParseDriverConfig({"gatherinfo", "--sysfs-root", "/fixture"}, FakeEnv({}));
  REQUIRE(gather.ok());
  CHECK(gather->subcommand == std::vector<std::string>{"gatherinfo"});
  CHECK(gather->sysfs_root == "/fixture");
  CHECK(!ParseDriverConfig({"gatherinf"}, kNodeEnv).ok());
}

TEST_CASE("Nri config defaults", "[config]") {
  StatusOr<NriConfig> c = ParseNriConfig({});
  REQUIRE(c.ok());
  CHECK(c->nri_socket == "/var/run/nri/nri.sock");
  CHECK(c->shared.state_dir == "/var/lib/dra-cpu");
  CHECK(c->plugin_name == "dracpu");
  CHECK(c->plugin_index == "00");
  CHECK(c->shared.http_port == 8082);
  c = ParseNriConfig({"--nri-socket", "/tmp/x.sock", "--plugin-index=10", "--plugin-name=cpu",
                      "--state-dir=/tmp/s", "--http-port=0", "-v=4"});
  REQUIRE(c.ok());
  CHECK(c->nri_socket == "/tmp/x.sock");
  CHECK(c->plugin_index == "10");
  CHECK(c->plugin_name == "cpu");
  CHECK(c->shared.state_dir == "/tmp/s");
  CHECK(c->shared.http_port == 0);
  CHECK(c->shared.verbosity == 4);
  // Driver-only flags are unknown to the nri-plugin.
  StatusOr<NriConfig> bad = ParseNriConfig({"--reserved-cpus=0"});
  REQUIRE(!bad.ok());
  CHECK(Contains(bad.status(), "--reserved-cpus"));
}

TEST_CASE("Flags win over the file, the file wins over defaults and NODE_NAME", "[config]") {
  testing::TempDir tmp;
  std::string path = WriteConfig(tmp,
                                 "reservedCPUs: 0-3\n"
                                 "cpuDeviceMode: individual\n"
                                 "nodeName: file-node\n"
                                 "fullCores: true\n"
                                 "httpPort: 9000\n"
                                 "v: 2\n");
  // --config after the flag that overrides it: order on the command line does not matter.
  StatusOr<DriverConfig> c =
      ParseDriverConfig({"--reserved-cpus=4-7", "--config", path, "--full-cores=false"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->shared.config_path == path);
  CHECK(c->reserved_cpus.ToString() == "4-7");              // flag
  CHECK(c->cpu_device_mode == CpuDeviceMode::kIndividual);  // file
  CHECK(c->node_name == "file-node");                       // file over env
  CHECK(!c->full_cores);                                    // flag
  CHECK(c->shared.http_port == 9000);                       // file
  CHECK(c->shared.verbosity == 2);                          // file
  c = ParseDriverConfig({"--config=" + path, "-v", "5", "--node-name", "flag-node"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->shared.verbosity == 5);
  CHECK(c->node_name == "flag-node");
  CHECK(c->full_cores);  // file
}

TEST_CASE("Every bad value is refused with its key or flag named", "[config]") {
  testing::TempDir tmp;
  struct Case {
    std::string key, flag, value;
  };
  const std::vector<Case> cases = {
      {"reservedCPUs", "reserved-cpus", "0-x"},
      {"reservedCPUs", "reserved-cpus", "3-1"},
      {"cpuDeviceMode", "cpu-device-mode", "foo"},
      {"groupBy", "group-by", "rack"},
      {"fullCores", "full-cores", "maybe"},
      {"spreadNUMA", "spread-numa", "2"},
      {"httpPort", "http-port", "65536"},
      {"httpPort", "http-port", "-1"},
      {"httpPort", "http-port", "80x"},
      {"httpPort", "http-port", " 80"},
      {"v", "v", "eleven"},
      {"resourceAPIVersion", "resource-api-version", "v2"},
      {"sysfsRoot", "sysfs-root", ""},
      {"stateDir", "state-dir", ""},
      {"nodeName", "node-name", ""},
  };
  for (const Case& k : cases) {
    INFO(k.key << " = \"" << k.value << "\"");
    std::string path = WriteConfig(tmp, k.key + ": \"" + k.value + "\"\n");
    StatusOr<DriverConfig> from_file = ParseDriverConfig({"--config", path}, kNodeEnv);
    REQUIRE(!from_file.ok());
    CHECK(from_file.status().IsInvalidArgument());
    CHECK(Contains(from_file.status(), "key " + k.key));
    CHECK(Contains(from_file.status(), path));
    StatusOr<DriverConfig> from_flag = ParseDriverConfig({"--" + k.flag + "=" + k.value}, kNodeEnv);
    REQUIRE(!from_flag.ok());
    CHECK(Contains(from_flag.status(), "--" + k.flag));
  }
  struct NriCase {
    std::string key, flag, value;
  };
  for (const NriCase& k : std::vector<NriCase>{{"pluginIndex", "plugin-index", "1"},
                                               {"pluginIndex", "plugin-index", "ab"},
                                               {"pluginName", "plugin-name", "a/b"},
                                               {"nriSocket", "nri-socket", ""}}) {
    INFO(k.key << " = \"" << k.value << "\"");
    std::string path = WriteConfig(tmp, k.key + ": \"" + k.value + "\"\n");
    StatusOr<NriConfig> from_file = ParseNriConfig({"--config", path});
    REQUIRE(!from_file.ok());
    CHECK(Contains(from_file.status(), "key " + k.key));
    StatusOr<NriConfig> from_flag = ParseNriConfig({"--" + k.flag + "=" + k.value});
    REQUIRE(!from_flag.ok());
    CHECK(Contains(from_flag.status(), "--" + k.flag));
  }
}

TEST_CASE("Unknown keys, unknown flags and malformed files are refused", "[config]") {
  testing::TempDir tmp;
  auto parse_file = [&](const std::string& yaml) {
    return ParseDriverConfig({"--config", WriteConfig(tmp, yaml)}, kNodeEnv).status();
  };
  Status st = parse_file("reservedCPUs: 0\nreservedCpus: 1\n");
  CHECK(st.IsInvalidArgument());
  CHECK(Contains(st, "unknown key reservedCpus"));
  CHECK(Contains(parse_file("config: other.yaml\n"), "unknown key config"));
  CHECK(Contains(parse_file("v: 1\nv: 2\n"), "key v given twice"));
  CHECK(Contains(parse_file("reservedCPUs: [0, 1]\n"), "key reservedCPUs"));
  CHECK(Contains(parse_file("- a\n- b\n"), "mapping"));
  CHECK(Contains(parse_file("reservedCPUs: [0, 1\n"), "not valid YAML"));
  CHECK(parse_file("").ok());
  CHECK(parse_file("# only a comment\n").ok());

  Status missing = ParseDriverConfig({"--config", tmp.Sub("absent.yaml")}, kNodeEnv).status();
  CHECK(missing.IsNotFound());
  CHECK(Contains(missing, "absent.yaml"));

  Status unknown_flag = ParseDriverConfig({"--reserved-cpu=1"}, kNodeEnv).status();
  CHECK(unknown_flag.IsInvalidArgument());
  CHECK(Contains(unknown_flag, "--reserved-cpu=1"));
  CHECK(Contains(ParseDriverConfig({"--kubeconfig"}, kNodeEnv).status(), "needs a value"));
}

TEST_CASE("Bool flags and the two value forms", "[config]") {
  StatusOr<DriverConfig> c = ParseDriverConfig({"--full-cores", "-spread-numa"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->full_cores);
  CHECK(c->spread_numa);
  c = ParseDriverConfig({"--full-cores=true", "--full-cores=false"}, kNodeEnv);  // last wins
  REQUIRE(c.ok());
  CHECK(!c->full_cores);
  c = ParseDriverConfig({"--spread-numa=1", "--logtostderr=false"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->spread_numa);
  CHECK(!c->shared.logtostderr);
  // "--full-cores false" is a switch followed by a stray argument, as in Go.
  CHECK(!ParseDriverConfig({"--full-cores", "false"}, kNodeEnv).ok());

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--cdi-dir=/tmp/cdi", "--group-by=socket", "--v=3"},
        std::vector<std::string>{"--cdi-dir", "/tmp/cdi", "--group-by", "socket", "-v", "3"},
        std::vector<std::string>{"-cdi-dir", "/tmp/cdi", "-group-by=socket", "-v=3"}}) {
    c = ParseDriverConfig(args, kNodeEnv);
    REQUIRE(c.ok());
    CHECK(c->cdi_dir == "/tmp/cdi");
    CHECK(c->group_by == GroupBy::kSocket);
    CHECK(c->shared.verbosity == 3);
  }
  // A value that looks like a flag is still the value in the two-argument form.
  c = ParseDriverConfig({"--kubeconfig", "--weird"}, kNodeEnv);
  REQUIRE(c.ok());
  CHECK(c->kubeconfig == "--weird");
}

TEST_CASE("--help is reported, not an error", "[config]") {
  StatusOr<DriverConfig> c = ParseDriverConfig({"--help"}, FakeEnv({}));
  REQUIRE(c.ok());
  CHECK(c->shared.help);
  CHECK(ParseNriConfig({"-h"})->shared.help);
  CHECK(DriverUsage().find("--reserved-cpus (reservedCPUs)") != std::string::npos);
  CHECK(NriUsage().find("--plugin-index (pluginIndex)") != std::string::npos);
}

TEST_CASE("ApplyLogConfig sets glog verbosity", "[config]") {
  int old_v = FLAGS_v;
  bool old_stderr = FLAGS_logtostderr;
  StatusOr<NriConfig> c = ParseNriConfig({"--v=3"});
  REQUIRE(c.ok());
  ApplyLogConfig(c->shared);
  CHECK(FLAGS_v == 3);
  CHECK(VLOG_IS_ON(3));
  CHECK(!VLOG_IS_ON(4));
  CHECK(FLAGS_logtostderr);
  FLAGS_v = old_v;
  FLAGS_logtostderr = old_stderr;
}

}  // namespace
}  // namespace dracpu

namespace dracpu {
namespace {

// The chart renders `driverConfig` into the ConfigMap the driver reads with --config: every
// values file the chart tests must hold keys and values the driver accepts, or the pod would
// crash-loop on a config the chart's schema let through.
TEST_CASE("The chart's driverConfig values are accepted by the driver", "[config]") {
  const std::string chart = std::string(DRACPU_SOURCE_DIR) + "/charts/dra-driver-cpu";
  std::vector<std::string> files = {chart + "/values.yaml"};
  for (const auto& e : std::filesystem::directory_iterator(chart + "/ci")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  }
  REQUIRE(files.size() > 3);
  testing::TempDir dir;
  for (const std::string& file : files) {
    INFO(file);
    YAML::Node values = YAML::LoadFile(file);
    if (!values["driverConfig"]) continue;
    const std::string config = dir.Sub("config.yaml");
    std::ofstream(config) << YAML::Dump(values["driverConfig"]) << "\n";
    auto parsed = ParseDriverConfig({"--config", config, "--node-name", "n1"});
    CHECK(parsed.ok());
    if (!parsed.ok()) WARN(parsed.status().ToString());
  }
}

}  // namespace
}  // namespace dracpu
