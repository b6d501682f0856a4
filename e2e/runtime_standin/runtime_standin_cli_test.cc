// The runtime-standin command line driven by a script against the real dracpu-nri.

#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "common/testing/temp_dir.h"
#include "e2e/runtime_standin/child_process.h"
#include "e2e/runtime_standin/nri_node_rig.h"

namespace dracpu::standin {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

TEST_CASE("runtime-standin answers a script: pin, shared pool, refusal, list") {
  TempDir dir;
  const std::string socket = dir.Sub("nri.sock"), state = dir.Sub("state"), cdi = dir.Sub("cdi");
  const std::string uid = "c11c0001-0000-4000-8000-000000000001";
  REQUIRE(WriteInitialState(state, "0-7", "0").ok());
  StatusOr<std::string> dev = WritePreparedClaim(state, cdi, uid, "4-5", {"pod-uid-web"});
  REQUIRE(dev.ok());
  {
    std::ofstream script(dir.Sub("script"));
    script << "wait-plugin 20\n"
              "pod web pod-uid-web\n"
              "create pod-1 app env=A=1\n"
              "create pod-1 worker cdi="
           << *dev
           << "\n"
              "create pod-1 evil env=DRA_CPUSET_c11c0002-0000-4000-8000-000000000002=3\n"
              "# a comment\n"
              "list\n"
              "latency CreateContainer\n"
              "bogus\n"
              "quit\n";
  }
  ChildProcess runtime, plugin;
  REQUIRE(runtime
              .Start({std::string(DRACPU_BINARY_DIR) + "/e2e/runtime_standin/runtime-standin",
                      "--socket", socket, "--cdi-dir", cdi},
                     dir.Sub("runtime.out"), dir.Sub("script"))
              .ok());
  struct stat st;
  for (int i = 0; i < 500 && stat(socket.c_str(), &st) != 0; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(plugin
              .Start(PluginArgv(std::string(DRACPU_BINARY_DIR) + "/nri-plugin/dracpu-nri", socket,
                                state, 0),
                     dir.Sub("plugin.log"))
              .ok());
  StatusOr<int> status = runtime.Wait(30s);
  REQUIRE(status.ok());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);

  std::vector<std::string> answers;
  std::ifstream out(dir.Sub("runtime.out"));
  for (std::string line; std::getline(out, line);) {
    if (line.rfind("ok", 0) == 0 || line.rfind("error", 0) == 0 || line.rfind("ctr-", 0) == 0) {
      answers.push_back(line);
    }
  }
  REQUIRE(answers.size() == 11);
  CHECK(answers[0] == "ok listening " + socket);
  CHECK(answers[1] == "ok");
  CHECK(answers[2] == "ok pod-1");
  CHECK(answers[3] == "ok ctr-2 pod=pod-1 name=app state=CONTAINER_CREATED cpus=1-3,6-7");
  CHECK(answers[4] == "ok ctr-3 pod=pod-1 name=worker state=CONTAINER_CREATED cpus=4-5");
  CHECK(answers[5].rfind("error ", 0) == 0);
  CHECK(answers[5].find("plugin failed CreateContainer") != std::string::npos);
  CHECK(answers[6] == "ctr-2 pod=pod-1 name=app state=CONTAINER_CREATED cpus=1-3,6-7");
  CHECK(answers[7] == "ctr-3 pod=pod-1 name=worker state=CONTAINER_CREATED cpus=4-5");
  CHECK(answers[8] == "ok");
  CHECK(answers[9].rfind("ok 3 ", 0) == 0);
  CHECK(answers[10] == "error unknown command bogus");
}

}  // namespace
}  // namespace dracpu::standin
