// Parsing a Kubernetes quantity that must be a whole number of CPUs.
//
// The scheduler writes consumedCapacity["dra.cpu/cpu"] as a resource.Quantity: a JSON string
// in canonical form ("4", "500m", "2k") or, from some writers, a JSON number. dra.cpu hands
// out whole CPUs only, so a value that is not a whole number ("1500m", "0.5") is refused with
// an error that says so, rather than rounded: rounding either way would give the container a
// different number of CPUs than the scheduler accounted for.
//
// Accepted grammar (Kubernetes' quantity syntax): optional sign, digits with an optional
// fraction, then nothing, a decimal SI suffix (n u m k M G T P E), a binary suffix
// (Ki Mi Gi Ti Pi Ei) or a decimal exponent (e3, E-2). Negative values and values above
// CpuSet::kCapacity are refused.

#ifndef DRACPU_DRIVER_CORE_CPU_QUANTITY_H_
#define DRACPU_DRIVER_CORE_CPU_QUANTITY_H_

#include <cpprest/json.h>

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace dracpu {

// InvalidArgument naming the text on a syntax error, a fraction, a negative or a huge value.
StatusOr<int64_t> ParseWholeCpuQuantity(std::string_view text);
// The same for a JSON value (string or integer number).
StatusOr<int64_t> ParseWholeCpuQuantity(const web::json::value& value);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_CPU_QUANTITY_H_
