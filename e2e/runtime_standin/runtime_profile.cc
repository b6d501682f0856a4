#include "e2e/runtime_standin/runtime_profile.h"

namespace dracpu::standin {

RuntimeProfile ProfileNri06() {
  RuntimeProfile p;
  p.runtime_name = "containerd";
  p.runtime_version = "v1.7.20";
  p.valid_events = 0x7FF;
  return p;
}

RuntimeProfile ProfileNri012() {
  RuntimeProfile p;
  p.runtime_name = "containerd";
  p.runtime_version = "v2.3.0";
  p.nri_version = "v0.12.2";
  p.valid_events = 0x3FFF;
  p.sync_paging = true;
  p.configure_timeouts = true;
  p.dedicated_event_rpcs = true;
  return p;
}

StatusOr<RuntimeProfile> ProfileByName(const std::string& name) {
  if (name == "0.6") return ProfileNri06();
  if (name == "0.12") return ProfileNri012();
  return Status::InvalidArgument("unknown NRI version to emulate: '" + name +
                                 "' (want 0.6 or 0.12)");
}

}  // namespace dracpu::standin
