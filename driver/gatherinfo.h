// `dracpu-driver gatherinfo`: an operator's view of what topology discovery found, as JSON.
//
//   {"summary": {"cpus", "cores", "packages", "numaNodes", "l3Groups", "smtEnabled"},
//    "cpus": [{"id", "online", "core", "package", "die", "numaNode", "l3", "coreType",
//              "siblings"}]}
//
// The summary counts online CPUs and the groups holding at least one online CPU (l3Groups is 0
// on a machine without L3). Per CPU, `core` and `l3` are node-unique indexes (-1 for an offline
// CPU or when there is no L3), `coreType` is standard, p-core or e-core, and `siblings` is the
// cpulist of the online CPUs sharing its core ("" when offline).

#ifndef DRACPU_DRIVER_GATHERINFO_H_
#define DRACPU_DRIVER_GATHERINFO_H_

#include <cpprest/json.h>

#include <iosfwd>
#include <string>
#include <vector>

#include "common/topology.h"

namespace dracpu::driver {

web::json::value GatherInfoJson(const Topology& topology);

// Runs the subcommand with the arguments that follow "gatherinfo"; writes JSON to `out` and
// errors to `err`. Returns the process exit code: 0, 1 when discovery fails, 2 on a usage error.
int RunGatherInfo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_GATHERINFO_H_
