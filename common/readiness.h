// Readiness: the named conditions a binary must meet before /healthz answers 200.
//
//   Readiness ready({"registered with kubelet", "ResourceSlices published"});   // driver
//   Readiness ready({"connected to runtime", "synchronized"});                   // nri-plugin
//   options.readiness = [&ready] { return ready.Check(); };  // common/http/http_endpoint.h
//   ...
//   ready.Set("connected to runtime", true);    // and false again when the runtime goes away
//
// Every condition starts unmet. Check returns OK when all are met, else Unavailable naming the
// unmet ones in declaration order ("waiting for: synchronized"), which is the 503 body a probe
// event shows. Thread-safe; Check and Set take one short lock.
// REQUIRES: Set names a declared condition (CHECKed: a typo is a programming error).

#ifndef DRACPU_COMMON_READINESS_H_
#define DRACPU_COMMON_READINESS_H_

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dracpu {

class Readiness {
 public:
  explicit Readiness(const std::vector<std::string>& conditions);

  void Set(const std::string& condition, bool met);
  Status Check() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, bool>> conditions_;  // guarded by mu_
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_READINESS_H_
