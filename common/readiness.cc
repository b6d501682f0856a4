#include "common/readiness.h"

#include <glog/logging.h>

namespace dracpu {

Readiness::Readiness(const std::vector<std::string>& conditions) {
  for (const std::string& condition : conditions) conditions_.emplace_back(condition, false);
}

void Readiness::Set(const std::string& condition, bool met) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, state] : conditions_) {
    if (name == condition) {
      state = met;
      return;
    }
  }
  LOG(FATAL) << "readiness: undeclared condition \"" << condition << "\"";
}

Status Readiness::Check() const {
  std::string unmet;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, state] : conditions_) {
      if (state) continue;
      if (!unmet.empty()) unmet += ", ";
      unmet += name;
    }
  }
  if (unmet.empty()) return Status::OK();
  return Status::Unavailable("waiting for: " + unmet);
}

}  // namespace dracpu
