// kubelet-standin: plays the kubelet against a DRA kubelet plugin from the command line.
//
//   kubelet-standin --registry-dir DIR [--kubelet-version 1.34] [--api v1|v1beta1]
//                   [--wait-seconds 30] [--call-timeout-seconds 45] [--attempts 3]
//                   COMMAND [ARGS]
//   COMMAND: register                       register and print what the kubelet chose
//            prepare NS/NAME/UID ...        register, then prepare the claims in one batch
//            unprepare NS/NAME/UID ...      register, then unprepare them in one batch
//            health N                       register, then print N health stream messages
//
// Prints one line per claim or device. Exit status: 0 all succeeded, 1 a claim failed,
// 2 usage, registration or call failure.

#include <glog/logging.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "e2e/kubelet_standin/kubelet_standin.h"
#include "e2e/kubelet_standin/registry_watcher.h"

namespace {

using dracpu::Status;
using dracpu::StatusOr;
using namespace dracpu::standin;

constexpr char kUsage[] =
    "usage: kubelet-standin --registry-dir DIR [--kubelet-version 1.N] [--api v1|v1beta1]\n"
    "         [--wait-seconds S] [--call-timeout-seconds S] [--attempts N]\n"
    "         register | prepare NS/NAME/UID... | unprepare NS/NAME/UID... | health N\n";

struct Args {
  std::string registry_dir;
  std::string api;
  int wait_seconds = 30;
  KubeletStandinOptions options;
  std::string command;
  std::vector<std::string> operands;
};

bool ParseInt(const std::string& text, int* out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0 || v > 1000000) return false;
  *out = static_cast<int>(v);
  return true;
}

StatusOr<Args> ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    int n = 0;
    if (a == "--registry-dir") {
      if (!value(&args.registry_dir)) return Status::InvalidArgument(a + " needs a value");
    } else if (a == "--api") {
      if (!value(&args.api)) return Status::InvalidArgument(a + " needs a value");
    } else if (a == "--kubelet-version") {
      if (!value(&v) || v.rfind("1.", 0) != 0 || !ParseInt(v.substr(2), &n)) {
        return Status::InvalidArgument("--kubelet-version wants 1.N");
      }
      args.options.kubelet_minor = n;
    } else if (a == "--wait-seconds" || a == "--call-timeout-seconds" || a == "--attempts") {
      if (!value(&v) || !ParseInt(v, &n)) return Status::InvalidArgument(a + " wants a number");
      if (a == "--wait-seconds") args.wait_seconds = n;
      if (a == "--call-timeout-seconds") args.options.call_timeout = std::chrono::seconds(n);
      if (a == "--attempts") args.options.max_attempts = std::max(n, 1);
    } else if (args.command.empty() && a.rfind("--", 0) != 0) {
      args.command = a;
    } else if (!args.command.empty()) {
      args.operands.push_back(a);
    } else {
      return Status::InvalidArgument("unknown flag " + a);
    }
  }
  if (args.registry_dir.empty()) return Status::InvalidArgument("--registry-dir is required");
  if (args.command.empty()) return Status::InvalidArgument("no command");
  return args;
}

StatusOr<std::vector<ClaimRef>> ParseClaims(const std::vector<std::string>& operands) {
  std::vector<ClaimRef> claims;
  for (const std::string& op : operands) {
    size_t a = op.find('/');
    size_t b = a == std::string::npos ? a : op.find('/', a + 1);
    if (b == std::string::npos)
      return Status::InvalidArgument("claim \"" + op + "\" is not NS/NAME/UID");
    claims.push_back(ClaimRef{op.substr(0, a), op.substr(a + 1, b - a - 1), op.substr(b + 1)});
  }
  if (claims.empty()) return Status::InvalidArgument("no claims given");
  return claims;
}

int Fail(const Status& s) {
  std::cerr << "kubelet-standin: " << s << "\n";
  return 2;
}

int Run(const Args& args) {
  StatusOr<std::string> socket =
      WaitForRegistrationSocket(args.registry_dir, std::chrono::seconds(args.wait_seconds));
  if (!socket.ok()) return Fail(socket.status());
  KubeletStandin kubelet(args.options);
  StatusOr<RegisteredPlugin> plugin = kubelet.Register(*socket);
  if (!plugin.ok()) return Fail(plugin.status());
  std::cout << "registered name=" << plugin->name << " endpoint=" << plugin->endpoint
            << " api=" << plugin->api
            << " health=" << (plugin->health_service.empty() ? "none" : plugin->health_service)
            << "\n";
  if (args.command == "register") return 0;

  if (args.command == "health") {
    int n = 0;
    if (args.operands.size() != 1 || !ParseInt(args.operands[0], &n) || n < 1) {
      return Fail(Status::InvalidArgument("health wants a message count"));
    }
    auto lists = kubelet.WatchHealth(*plugin, n, std::chrono::seconds(args.wait_seconds));
    if (!lists.ok()) return Fail(lists.status());
    for (size_t i = 0; i < lists->size(); ++i) {
      for (const HealthEntry& e : (*lists)[i]) {
        std::cout << "health message=" << i << " pool=" << e.device.pool_name
                  << " device=" << e.device.device_name << " status=" << e.health << "\n";
      }
    }
    return 0;
  }

  StatusOr<std::vector<ClaimRef>> claims = ParseClaims(args.operands);
  if (!claims.ok()) return Fail(claims.status());
  bool all_ok = true;
  if (args.command == "prepare") {
    auto outcomes = kubelet.Prepare(*plugin, *claims, args.api);
    if (!outcomes.ok()) return Fail(outcomes.status());
    for (const auto& [uid, outcome] : *outcomes) {
      all_ok &= outcome.ok();
      std::cout << (outcome.ok() ? "prepared" : "failed") << " uid=" << uid;
      if (!outcome.ok()) std::cout << " error=" << outcome.error;
      for (const auto& d : outcome.devices) {
        for (const auto& id : d.cdi_device_ids) std::cout << " cdi=" << id;
      }
      std::cout << "\n";
    }
  } else if (args.command == "unprepare") {
    auto errors = kubelet.Unprepare(*plugin, *claims, args.api);
    if (!errors.ok()) return Fail(errors.status());
    for (const auto& [uid, error] : *errors) {
      all_ok &= error.empty();
      std::cout << (error.empty() ? "unprepared" : "failed") << " uid=" << uid;
      if (!error.empty()) std::cout << " error=" << error;
      std::cout << "\n";
    }
  } else {
    return Fail(Status::InvalidArgument("unknown command " + args.command));
  }
  return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  StatusOr<Args> args = ParseArgs(argc, argv);
  if (!args.ok()) {
    std::cerr << "kubelet-standin: " << args.status() << "\n" << kUsage;
    return 2;
  }
  return Run(*args);
}
