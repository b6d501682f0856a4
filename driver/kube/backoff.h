// Capped exponential backoff with jitter for retrying API calls (429, 5xx, connection errors).
// Pure: the random draw is a parameter, so the schedule is unit-testable.

#ifndef DRACPU_DRIVER_KUBE_BACKOFF_H_
#define DRACPU_DRIVER_KUBE_BACKOFF_H_

#include <chrono>

namespace dracpu::kube {

struct BackoffPolicy {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
  double multiplier = 2.0;
  double jitter = 0.2;  // the delay is scaled by a factor in [1 - jitter, 1 + jitter]
};

// Delay before retry number `attempt` (0 = the first retry): initial * multiplier^attempt,
// capped at max, then scaled by (1 + jitter * (2 * unit_random - 1)) and capped at max again.
// REQUIRES: unit_random in [0, 1].
std::chrono::milliseconds BackoffDelay(const BackoffPolicy& policy, int attempt,
                                       double unit_random);

// A uniformly distributed value in [0, 1) from a thread-local generator.
double UnitRandom();

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_BACKOFF_H_
