// Which runtime the stand-in behaves like (ttrpc-and-nri.md C.3, E, G): the NRI version decides
// the valid event mask, whether Synchronize is paged, whether Configure carries timeouts and a
// version, and how pod events and RemoveContainer reach the plugin.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_PROFILE_H_
#define DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_PROFILE_H_

#include <cstdint>
#include <string>

#include "common/status.h"

namespace dracpu::standin {

struct RuntimeProfile {
  std::string runtime_name;
  std::string runtime_version;
  std::string nri_version;
  // Bits a ConfigureResponse may set (0x7FF up to NRI v0.9, 0x3FFF from v0.10).
  int32_t valid_events = 0;
  // NRI >= v0.7: Synchronize split into pages (more = true) when it exceeds the message limit;
  // Configure carries registration and request timeouts.
  bool sync_paging = false;
  bool configure_timeouts = false;
  // NRI >= v0.12: ConfigureRequest.NRI_version, and pod events, PostCreate/Start/PostStart/
  // PostUpdate/RemoveContainer as dedicated RPCs (falling back to StateChange when the plugin
  // answers UNIMPLEMENTED). Before: those events only as StateChange.
  bool dedicated_event_rpcs = false;
};

// containerd 1.7.20: NRI v0.6.1.
RuntimeProfile ProfileNri06();
// A runtime on NRI v0.12.2 (the newest the spec covers).
RuntimeProfile ProfileNri012();
// "0.6" or "0.12"; InvalidArgument otherwise.
StatusOr<RuntimeProfile> ProfileByName(const std::string& name);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_RUNTIME_PROFILE_H_
