#include "e2e/runtime_standin/nri_node_rig.h"

#include <sys/stat.h>

#include "common/state_store.h"
#include "driver/core/cdi.h"

namespace dracpu::standin {

using namespace std::chrono_literals;

Status WriteInitialState(const std::string& state_dir, const std::string& online,
                         const std::string& reserved) {
  StateStore store(state_dir);
  return store.Update([&](AllocationState* s) {
    s->set_node_name("standin-node");
    s->set_online_cpus(online);
    s->set_reserved_cpus(reserved);
    return Status::OK();
  });
}

StatusOr<std::string> WritePreparedClaim(const std::string& state_dir, const std::string& cdi_dir,
                                         const std::string& uid, const std::string& cpus,
                                         const std::vector<std::string>& pod_uids) {
  StatusOr<CpuSet> set = CpuSet::Parse(cpus);
  if (!set.ok()) return set.status();
  StateStore store(state_dir);
  DRACPU_RETURN_IF_ERROR(store.Update([&](AllocationState* s) {
    ClaimAllocation& c = (*s->mutable_claims())[uid];
    c.set_uid(uid);
    c.set_namespace_("default");
    c.set_name("claim-" + uid.substr(0, 8));
    c.set_cpus(set->ToString());
    c.clear_pod_uids();
    for (const std::string& p : pod_uids) c.add_pod_uids(p);
    c.set_phase(ClaimAllocation::PREPARED);
    return Status::OK();
  }));
  DRACPU_RETURN_IF_ERROR(cdi::WriteSpec(cdi_dir, uid, *set));
  return cdi::DeviceId(uid);
}

std::vector<std::string> PluginArgv(const std::string& binary, const std::string& socket,
                                    const std::string& state_dir, int verbosity) {
  return {binary,          "--nri-socket=" + socket, "--state-dir=" + state_dir,
          "--http-port=0", "--logtostderr=true",     "-v=" + std::to_string(verbosity)};
}

NriNodeRig::NriNodeRig(NodeRigOptions options)
    : options_(std::move(options)),
      state_dir_(options_.dir + "/state"),
      cdi_dir_(options_.dir + "/cdi") {}

NriNodeRig::~NriNodeRig() {
  // The plugin first, so it sees the runtime go away only when the test is over.
  plugin_.Stop(2s);
  runtime_.reset();
}

StatusOr<std::unique_ptr<NriNodeRig>> NriNodeRig::Start(NodeRigOptions options) {
  std::unique_ptr<NriNodeRig> rig(new NriNodeRig(std::move(options)));
  mkdir(rig->cdi_dir_.c_str(), 0755);
  DRACPU_RETURN_IF_ERROR(
      WriteInitialState(rig->state_dir_, rig->options_.online_cpus, rig->options_.reserved_cpus));
  RuntimeOptions ro = rig->options_.runtime;
  ro.socket_path = rig->options_.dir + "/nri.sock";
  ro.cdi_dirs = {rig->cdi_dir_};
  StatusOr<std::unique_ptr<RuntimeStandin>> rt = RuntimeStandin::Start(ro);
  if (!rt.ok()) return rt.status();
  rig->runtime_ = std::move(*rt);
  return rig;
}

Status NriNodeRig::StartPlugin() {
  uint64_t next = runtime_->handshakes() + 1;
  DRACPU_RETURN_IF_ERROR(
      plugin_.Start({options_.plugin_binary, "--nri-socket=" + options_.dir + "/nri.sock",
                     "--state-dir=" + state_dir_, "--http-port=0", "--logtostderr=true",
                     "-v=" + std::to_string(options_.verbosity)},
                    plugin_log()));
  return runtime_->WaitForPlugin(10s, next);
}

StatusOr<std::string> NriNodeRig::PrepareClaim(const std::string& uid, const std::string& cpus,
                                               const std::vector<std::string>& pod_uids) {
  return WritePreparedClaim(state_dir_, cdi_dir_, uid, cpus, pod_uids);
}

Status NriNodeRig::UnprepareClaim(const std::string& uid) {
  DRACPU_RETURN_IF_ERROR(cdi::RemoveSpec(cdi_dir_, uid));
  StateStore store(state_dir_);
  return store.Update([&](AllocationState* s) {
    s->mutable_claims()->erase(uid);
    return Status::OK();
  });
}

}  // namespace dracpu::standin
