// Test fixtures for the nri-plugin app: the state file written as the driver writes it
// (StateStore::Update), and NRI pod/container messages as a runtime sends them.

#ifndef DRACPU_NRI_PLUGIN_APP_TESTING_APP_FIXTURES_H_
#define DRACPU_NRI_PLUGIN_APP_TESTING_APP_FIXTURES_H_

#include <string>
#include <vector>

#include "common/state_codec.h"
#include "common/status.h"
#include "nri-plugin/stub/plugin_handlers.h"

namespace dracpu::nri::testing {

struct TestClaim {
  std::string uid;
  std::string cpus;
  std::vector<std::string> pod_uids;
  ClaimAllocation::Phase phase = ClaimAllocation::PREPARED;
};

// Replaces the claims (and the online/reserved cpulists) in `dir`'s state file through
// StateStore::Update, so the generation grows as with the driver.
Status WriteState(const std::string& dir, const std::string& online, const std::string& reserved,
                  const std::vector<TestClaim>& claims);

api::PodSandbox MakePod(const std::string& uid, const std::string& name = "pod",
                        const std::string& ns = "default");
// A container of `pod` (id "ctr-<name>-<pod uid>" unless given), with "KEY=VALUE" env entries
// and the cpuset the runtime reports ("" = none).
api::Container MakeContainer(const api::PodSandbox& pod, const std::string& name,
                             const std::vector<std::string>& env = {}, const std::string& cpus = "",
                             const std::string& id = "");

// Connects to 127.0.0.1:port; -1 when refused.
int ConnectLoopback(int port);
// Sends `request` raw to 127.0.0.1:port and returns all the server wrote until it closed (5 s at
// most); "" when the connection was refused.
std::string HttpExchange(int port, const std::string& request);

}  // namespace dracpu::nri::testing

#endif  // DRACPU_NRI_PLUGIN_APP_TESTING_APP_FIXTURES_H_
