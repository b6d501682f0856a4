// Logging setup for both binaries: glog with defaults suited to containers (stderr, no log
// files, no colors), so `kubectl logs -c driver` / `-c nri-plugin` shows everything.
//
// Order in main(): InitLogging(argv[0]) first (so config errors are logged properly), then
// parse the config, then ApplyLogConfig(config.shared).

#ifndef DRACPU_COMMON_LOGGING_H_
#define DRACPU_COMMON_LOGGING_H_

#include "common/config.h"

namespace dracpu {

// Once per process. REQUIRES: argv0 outlives the process (argv[0] does).
void InitLogging(const char* argv0);

// Sets glog's verbosity (FLAGS_v, what VLOG(n) tests) and the stderr/file choice.
void ApplyLogConfig(const SharedConfig& config);

}  // namespace dracpu

#endif  // DRACPU_COMMON_LOGGING_H_
