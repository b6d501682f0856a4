#include "nri-plugin/app/testing/app_fixtures.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/state_store.h"

namespace dracpu::nri::testing {

Status WriteState(const std::string& dir, const std::string& online, const std::string& reserved,
                  const std::vector<TestClaim>& claims) {
  StateStore store(dir);
  return store.Update([&](AllocationState* state) {
    state->set_node_name("node-a");
    state->set_online_cpus(online);
    state->set_reserved_cpus(reserved);
    state->clear_claims();
    for (const TestClaim& c : claims) {
      ClaimAllocation& a = (*state->mutable_claims())[c.uid];
      a.set_uid(c.uid);
      a.set_namespace_("default");
      a.set_name("claim-" + c.uid);
      a.set_cpus(c.cpus);
      for (const std::string& pod : c.pod_uids) a.add_pod_uids(pod);
      a.set_phase(c.phase);
    }
    return Status::OK();
  });
}

api::PodSandbox MakePod(const std::string& uid, const std::string& name, const std::string& ns) {
  api::PodSandbox pod;
  pod.set_id("sandbox-" + uid);
  pod.set_uid(uid);
  pod.set_name(name);
  pod.set_namespace_(ns);
  return pod;
}

api::Container MakeContainer(const api::PodSandbox& pod, const std::string& name,
                             const std::vector<std::string>& env, const std::string& cpus,
                             const std::string& id) {
  api::Container ctr;
  ctr.set_id(id.empty() ? "ctr-" + name + "-" + pod.uid() : id);
  ctr.set_pod_sandbox_id(pod.id());
  ctr.set_name(name);
  ctr.set_state(api::CONTAINER_RUNNING);
  for (const std::string& e : env) ctr.add_env(e);
  if (!cpus.empty()) ctr.mutable_linux()->mutable_resources()->mutable_cpu()->set_cpus(cpus);
  return ctr;
}

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string HttpExchange(int port, const std::string& request) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  struct pollfd p = {fd, POLLIN, 0};
  while (poll(&p, 1, 5000) > 0) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

}  // namespace dracpu::nri::testing
