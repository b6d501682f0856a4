// Splitting a Synchronize into pages (ttrpc-and-nri.md C.4): every page but the last has
// more = true; each page's serialized size stays within a byte budget (the 4 MiB ttrpc limit
// in a real runtime; smaller in tests to force paging). Pure.

#ifndef DRACPU_E2E_RUNTIME_STANDIN_SYNC_PAGES_H_
#define DRACPU_E2E_RUNTIME_STANDIN_SYNC_PAGES_H_

#include <cstddef>
#include <vector>

#include "common/status.h"
#include "proto/nri_api.pb.h"

namespace dracpu::standin {

namespace api = ::nri::pkg::api::v1alpha1;

// One page when everything fits in max_bytes. Otherwise pods first, then containers, packed in
// order; ResourceExhausted when a single object exceeds the budget, or when paging is not
// allowed (runtimes before NRI v0.7 send one message or fail).
StatusOr<std::vector<api::SynchronizeRequest>> PageSynchronize(const api::SynchronizeRequest& all,
                                                               size_t max_bytes, bool paging);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_RUNTIME_STANDIN_SYNC_PAGES_H_
