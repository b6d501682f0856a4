#include "e2e/runtime_standin/sync_pages.h"

#include <string>

namespace dracpu::standin {
namespace {

// Bytes a repeated field entry adds: tag, length varint, body.
size_t EntrySize(size_t body) {
  size_t varint = 1;
  for (size_t v = body; v >= 0x80; v >>= 7) ++varint;
  return 1 + varint + body;
}

}  // namespace

StatusOr<std::vector<api::SynchronizeRequest>> PageSynchronize(const api::SynchronizeRequest& all,
                                                               size_t max_bytes, bool paging) {
  std::vector<api::SynchronizeRequest> pages;
  if (all.ByteSizeLong() <= max_bytes) {
    pages.push_back(all);
    return pages;
  }
  if (!paging) {
    return Status::ResourceExhausted("Synchronize of " + std::to_string(all.ByteSizeLong()) +
                                     " bytes exceeds " + std::to_string(max_bytes) +
                                     " and this NRI version cannot page");
  }
  const size_t budget = max_bytes - 2;  // room for more = true
  pages.emplace_back();
  size_t used = 0;
  auto place = [&](size_t size, auto add) -> Status {
    if (size > budget) {
      return Status::ResourceExhausted("one object of " + std::to_string(size) +
                                       " bytes exceeds the Synchronize page budget");
    }
    if (used + size > budget) {
      pages.emplace_back();
      used = 0;
    }
    add(pages.back());
    used += size;
    return Status::OK();
  };
  for (const api::PodSandbox& pod : all.pods()) {
    DRACPU_RETURN_IF_ERROR(place(EntrySize(pod.ByteSizeLong()),
                                 [&](api::SynchronizeRequest& p) { *p.add_pods() = pod; }));
  }
  for (const api::Container& ctr : all.containers()) {
    DRACPU_RETURN_IF_ERROR(place(EntrySize(ctr.ByteSizeLong()),
                                 [&](api::SynchronizeRequest& p) { *p.add_containers() = ctr; }));
  }
  for (size_t i = 0; i + 1 < pages.size(); ++i) pages[i].set_more(true);
  return pages;
}

}  // namespace dracpu::standin
