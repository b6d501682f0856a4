#include "driver/kube/backoff.h"

#include <algorithm>
#include <random>

namespace dracpu::kube {

std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int attempt,
                                       double unit_random) {
  const double cap = static_cast<double>(policy.max.count());
  double delay = static_cast<double>(policy.initial.count());
  for (int i = 0; i < attempt && delay < cap; ++i) delay *= policy.multiplier;
  delay = std::min(delay, cap);
  delay *= 1.0 + policy.jitter * (2.0 * unit_random - 1.0);
  delay = std::clamp(delay, 0.0, cap);
  return std::chrono::milliseconds(static_cast<long long>(delay));
}

double UnitRandom() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
}

}  // namespace dracpu::kube
