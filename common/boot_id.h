// Boot identity, so state written before a reboot is recognized as stale: the containers it
// describes died with that boot, and their CPUs must not stay exclusive.

#ifndef DRACPU_COMMON_BOOT_ID_H_
#define DRACPU_COMMON_BOOT_ID_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/state_codec.h"
#include "common/status.h"

namespace dracpu {

// <proc_root>/sys/kernel/random/boot_id without its trailing newline (proc_root is "/proc" in
// production, a fixture folder in tests). NotFound when absent, InvalidArgument when it is not
// one line of [0-9a-f-].
StatusOr<std::string> ReadBootId(const std::string& proc_root);

// Pure. When `state` was written by another boot (its boot_id is set and differs from
// `boot_id`), removes every claim and returns their UIDs (sorted) so the caller can log them;
// otherwise returns nothing. Either way state->boot_id becomes `boot_id`.
// REQUIRES: boot_id non-empty.
std::vector<std::string> DropClaimsOfOtherBoot(AllocationState* state, std::string_view boot_id);

}  // namespace dracpu

#endif  // DRACPU_COMMON_BOOT_ID_H_
