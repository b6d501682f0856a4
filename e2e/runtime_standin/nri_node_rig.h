// A node without a cluster for the nri-plugin: the runtime stand-in, the real dracpu-nri binary
// as a child process, and the driver's two outputs written the way the driver writes them (the
// state file through StateStore::Update, the CDI spec through driver/core/cdi.h). Used by the
// e2e tests and the NRI hook benchmark.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_NRI_NODE_RIG_H_
#define DRACPU_E2E_RUNTIME_STANDIN_NRI_NODE_RIG_H_

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "e2e/runtime_standin/child_process.h"
#include "e2e/runtime_standin/runtime_standin.h"

namespace dracpu::standin {

// The driver's side as files, for rigs that run the runtime some other way (the CLI test).
// An empty state file (no claims) with these CPUs.
Status WriteInitialState(const std::string& state_dir, const std::string& online,
                         const std::string& reserved);
// The claim Prepared in the state file, then its CDI spec; returns the CDI device id.
StatusOr<std::string> WritePreparedClaim(const std::string& state_dir, const std::string& cdi_dir,
                                         const std::string& uid, const std::string& cpus,
                                         const std::vector<std::string>& pod_uids);
// The command line of dracpu-nri for this socket and state folder.
std::vector<std::string> PluginArgv(const std::string& binary, const std::string& socket,
                                    const std::string& state_dir, int verbosity);

struct NodeRigOptions {
  std::string dir;            // an empty folder of the caller's; everything lives inside
  std::string plugin_binary;  // dracpu-nri
  std::string online_cpus;    // written into the state file
  std::string reserved_cpus;
  int verbosity = 0;
  // socket_path and cdi_dirs are filled in by the rig.
  RuntimeOptions runtime;
};

class NriNodeRig {
 public:
  // Writes the initial state file (no claims) and starts the runtime; the plugin is not started.
  static StatusOr<std::unique_ptr<NriNodeRig>> Start(NodeRigOptions options);
  ~NriNodeRig();

  // Starts dracpu-nri and waits for its handshake (the n-th of this runtime).
  Status StartPlugin();
  void KillPlugin() { plugin_.Kill(); }
  int StopPlugin() { return plugin_.Stop(); }
  pid_t plugin_pid() const { return plugin_.pid(); }

  // What NodePrepareResources leaves behind: the claim Prepared in the state file, then its CDI
  // spec. Returns the CDI device id.
  StatusOr<std::string> PrepareClaim(const std::string& uid, const std::string& cpus,
                                     const std::vector<std::string>& pod_uids);
  // What NodeUnprepareResources does: the CDI spec removed, the claim dropped from the state.
  Status UnprepareClaim(const std::string& uid);

  RuntimeStandin& runtime() { return *runtime_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& cdi_dir() const { return cdi_dir_; }
  std::string plugin_log() const { return options_.dir + "/dracpu-nri.log"; }

 private:
  explicit NriNodeRig(NodeRigOptions options);

  NodeRigOptions options_;
  std::string state_dir_, cdi_dir_;
  std::unique_ptr<RuntimeStandin> runtime_;
  ChildProcess plugin_;
};

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_NRI_NODE_RIG_H_
