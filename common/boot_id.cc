#include "common/boot_id.h"

#include <algorithm>

#include "common/atomic_file.h"

namespace dracpu {

StatusOr<std::string> ReadBootId(const std::string& proc_root) {
  const std::string path = proc_root + "/sys/kernel/random/boot_id";
  StatusOr<std::string> raw = ReadFileToString(path, 4096);
  if (!raw.ok()) return raw.status();
  std::string id = *raw;
  if (!id.empty() && id.back() == '\n') id.pop_back();
  bool valid = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
  });
  if (!valid) return Status::InvalidArgument(path + ": not a boot id: \"" + id + "\"");
  return id;
}

std::vector<std::string> DropClaimsOfOtherBoot(AllocationState* state, std::string_view boot_id) {
  std::vector<std::string> dropped;
  if (!state->boot_id().empty() && state->boot_id() != boot_id) {
    for (const auto& [uid, claim] : state->claims()) dropped.push_back(uid);
    std::sort(dropped.begin(), dropped.end());
    state->clear_claims();
  }
  state->set_boot_id(std::string(boot_id));
  return dropped;
}

}  // namespace dracpu
