#include "common/logging.h"

#include <glog/logging.h>

namespace dracpu {

void InitLogging(const char* argv0) {
  FLAGS_logtostderr = true;
  FLAGS_colorlogtostderr = false;
  google::InitGoogleLogging(argv0);
  // A crash prints the stack to stderr, where the container runtime keeps it.
  google::InstallFailureSignalHandler();
}

void ApplyLogConfig(const SharedConfig& config) {
  FLAGS_v = config.verbosity;
  FLAGS_logtostderr = config.logtostderr;
}

}  // namespace dracpu
