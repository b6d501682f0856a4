// Finds plugin registration sockets the way the kubelet's plugin watcher does: an initial scan
// of the registry folder, then inotify for sockets created later. Names starting with "." are
// ignored, as are entries that are not sockets.

#ifndef DRACPU_E2E_KUBELET_STANDIN_REGISTRY_WATCHER_H_
#define DRACPU_E2E_KUBELET_STANDIN_REGISTRY_WATCHER_H_

#include <chrono>
#include <set>
#include <string>

#include "common/status.h"

namespace dracpu::standin {

// Returns the absolute path of the first registration socket in `dir` that is not in `known`,
// waiting up to `timeout` for one to appear. DeadlineExceeded when none does.
StatusOr<std::string> WaitForRegistrationSocket(const std::string& dir,
                                                std::chrono::milliseconds timeout,
                                                const std::set<std::string>& known = {});

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_KUBELET_STANDIN_REGISTRY_WATCHER_H_
