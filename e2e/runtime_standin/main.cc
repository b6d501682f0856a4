// runtime-standin: the container runtime's NRI side from the command line, for the e2e rig and
// for poking at a plugin by hand.
//
//   runtime-standin --socket PATH [--cdi-dir DIR]... [--nri-version 0.6|0.12]
//                   [--cgroup-root DIR [--cgroup-v2]] [--request-timeout-ms N]
//
// Listens on PATH, then reads commands from stdin, one per line, and answers each with one line
// starting "ok" or "error":
//   wait-plugin [SECONDS]               wait for a plugin handshake
//   pod NAME UID [NAMESPACE]            -> ok <pod id>
//   create POD NAME [env=K=V]... [cdi=ID]...   -> ok <container id> cpus=<list>
//   start ID | stop ID | rm ID | rmpod POD
//   list                                one line per container, then "ok"
//   drop | restart                      plugin restart / runtime restart
//   latency METHOD                      -> ok count median_us p99_us max_us
//   quit
// Exit status: 0 after quit or end of input, 2 on a usage or start-up error.

#include <glog/logging.h>

#include <iostream>
#include <sstream>

#include "e2e/runtime_standin/runtime_standin.h"

namespace {

using namespace dracpu;
using namespace dracpu::standin;

constexpr char kUsage[] =
    "usage: runtime-standin --socket PATH [--cdi-dir DIR]... [--nri-version 0.6|0.12]\n"
    "         [--cgroup-root DIR [--cgroup-v2]] [--request-timeout-ms N]\n";

std::string Line(const ContainerView& c, const RuntimeStandin& rt) {
  std::ostringstream out;
  out << c.id << " pod=" << c.pod_id << " name=" << c.name
      << " state=" << api::ContainerState_Name(c.state) << " cpus=" << c.cpus;
  if (c.has_cgroup) {
    StatusOr<CpuSet> a = rt.RealAffinity(c.id);
    out << " affinity=" << (a.ok() ? a->ToString() : a.status().ToString());
  }
  return out.str();
}

std::string Run(RuntimeStandin& rt, const std::string& cmd, std::istringstream& in) {
  std::string a, b, c;
  auto result = [](const Status& s) {
    return s.ok() ? std::string("ok") : "error " + s.ToString();
  };
  if (cmd == "wait-plugin") {
    int seconds = 30;
    in >> seconds;
    return result(rt.WaitForPlugin(std::chrono::seconds(seconds), rt.handshakes() + 1));
  }
  if (cmd == "pod") {
    PodSpec spec;
    in >> spec.name >> spec.uid;
    if (in >> a) spec.ns = a;
    StatusOr<std::string> id = rt.RunPod(spec);
    return id.ok() ? "ok " + *id : result(id.status());
  }
  if (cmd == "create") {
    in >> a >> b;
    std::vector<std::string> env, cdi;
    while (in >> c) {
      if (c.rfind("env=", 0) == 0)
        env.push_back(c.substr(4));
      else if (c.rfind("cdi=", 0) == 0)
        cdi.push_back(c.substr(4));
      else
        return "error unknown argument " + c;
    }
    StatusOr<std::string> id = rt.CreateContainer(a, b, env, cdi);
    if (!id.ok()) return result(id.status());
    return "ok " + Line(*rt.GetContainer(*id), rt);
  }
  if (cmd == "start") return in >> a, result(rt.StartContainer(a));
  if (cmd == "stop") return in >> a, result(rt.StopContainer(a));
  if (cmd == "rm") return in >> a, result(rt.RemoveContainer(a));
  if (cmd == "rmpod") return in >> a, result(rt.RemovePod(a));
  if (cmd == "list") {
    for (const ContainerView& v : rt.Containers()) std::cout << Line(v, rt) << "\n";
    return "ok";
  }
  if (cmd == "drop") return rt.DropPlugin(), "ok";
  if (cmd == "restart") return result(rt.Restart());
  if (cmd == "latency") {
    in >> a;
    LatencySummary s = rt.HookLatency(a);
    std::ostringstream out;
    out << "ok " << s.count << " " << s.median_us << " " << s.p99_us << " " << s.max_us;
    return out.str();
  }
  return "error unknown command " + cmd;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  RuntimeOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << kUsage;
        exit(2);
      }
      return argv[++i];
    };
    if (arg == "--socket")
      options.socket_path = value();
    else if (arg == "--cdi-dir")
      options.cdi_dirs.push_back(value());
    else if (arg == "--cgroup-root")
      options.cgroup_root = value();
    else if (arg == "--cgroup-v2")
      options.cgroup_layout = CgroupLayout::kV2;
    else if (arg == "--request-timeout-ms")
      options.request_timeout = std::chrono::milliseconds(std::atoi(value().c_str()));
    else if (arg == "--nri-version") {
      StatusOr<RuntimeProfile> p = ProfileByName(value());
      if (!p.ok()) {
        std::cerr << p.status() << "\n";
        return 2;
      }
      options.profile = *p;
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  if (options.socket_path.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  StatusOr<std::unique_ptr<RuntimeStandin>> rt = RuntimeStandin::Start(options);
  if (!rt.ok()) {
    std::cerr << "runtime-standin: " << rt.status() << "\n";
    return 2;
  }
  std::cout << "ok listening " << options.socket_path << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    if (!(in >> cmd) || cmd[0] == '#') continue;
    if (cmd == "quit") break;
    std::cout << Run(**rt, cmd, in) << std::endl;
  }
  return 0;
}
