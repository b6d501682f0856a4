// ObjectStore: the API server stand-in's storage. Objects are JSON, grouped by resource
// ("resourceslices", "resourceclaims", "pods", ...) and keyed by namespace/name. One global
// resourceVersion counter (a decimal string on the wire) orders every change; a history of
// changes feeds watches. Compact() forgets the history, so a watch from an older version gets
// 410 Gone, as from a real API server after etcd compaction. Thread-safe.
//
// Errors: NotFound (404), AlreadyExists (409), Aborted (409 Conflict on a stale
// resourceVersion or failed delete precondition), FailedPrecondition (410 for too-old watches).

#ifndef DRACPU_E2E_APISERVER_OBJECT_STORE_H_
#define DRACPU_E2E_APISERVER_OBJECT_STORE_H_

#include <cpprest/json.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "e2e/apiserver/field_selector.h"

namespace dracpu::standin {

using Json = web::json::value;

struct StoredEvent {
  int64_t rv;
  std::string resource;
  std::string ns;
  std::string type;  // ADDED, MODIFIED, DELETED
  Json object;
};

class ObjectStore {
 public:
  // Assigns uid, resourceVersion, creationTimestamp, generation; honours generateName.
  StatusOr<Json> Create(const std::string& resource, const std::string& ns, Json object);
  StatusOr<Json> Get(const std::string& resource, const std::string& ns,
                     const std::string& name) const;
  // Replaces spec/metadata (or only status when `status_only`); a non-empty
  // metadata.resourceVersion must equal the stored one.
  StatusOr<Json> Update(const std::string& resource, const std::string& ns, const std::string& name,
                        Json object, bool status_only);
  StatusOr<Json> Delete(const std::string& resource, const std::string& ns, const std::string& name,
                        const std::string& uid_precondition, const std::string& rv_precondition);
  // Items of `resource` in `ns` ("" = all namespaces) that match `selector`, sorted by key.
  std::vector<Json> List(const std::string& resource, const std::string& ns,
                         const FieldSelectorMatcher& selector, int64_t* rv) const;

  // Changes after `rv` to `resource` in `ns` matching `selector`. FailedPrecondition when `rv`
  // predates the retained history.
  StatusOr<std::vector<StoredEvent>> EventsAfter(int64_t rv, const std::string& resource,
                                                 const std::string& ns,
                                                 const FieldSelectorMatcher& selector) const;
  // Blocks until the store changes past `rv`, Wake() is called, or `deadline`.
  void WaitForChange(int64_t rv, std::chrono::steady_clock::time_point deadline) const;
  void Wake();
  void Compact();
  int64_t CurrentRv() const;

 private:
  int64_t BumpLocked(const std::string& resource, const std::string& ns, const std::string& type,
                     Json* object);

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, std::map<std::string, Json>> objects_;  // resource -> ns/name -> obj
  std::deque<StoredEvent> history_;
  int64_t rv_ = 1000;
  int64_t compacted_rv_ = 1000;
  uint64_t wakes_ = 0;
  uint64_t uid_counter_ = 0;
};

std::string RandomSuffix(int length);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_OBJECT_STORE_H_
