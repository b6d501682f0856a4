// The event stream of one watch request, independent of HTTP: replays the store's history
// after the requested resourceVersion, then follows new changes, interleaving BOOKMARKs, until
// the timeout passes or `should_stop` says so. Each event is handed to `write` as one JSON line
// (with its newline); a false return from `write` ends the stream (client gone).

#ifndef DRACPU_E2E_APISERVER_WATCH_STREAM_H_
#define DRACPU_E2E_APISERVER_WATCH_STREAM_H_

#include <chrono>
#include <functional>
#include <string>

#include "e2e/apiserver/field_selector.h"
#include "e2e/apiserver/object_store.h"

namespace dracpu::standin {

struct WatchRequest {
  std::string resource;
  std::string ns;
  std::string api_version;  // of the objects, for BOOKMARK events
  FieldSelectorMatcher selector;
  std::string resource_version;  // "" or "0" = send the current objects as ADDED first
  std::chrono::seconds timeout{300};
  bool bookmarks = false;
  std::chrono::milliseconds bookmark_interval{1000};
};

void StreamWatch(ObjectStore& store, const WatchRequest& request,
                 const std::function<bool(const std::string& line)>& write,
                 const std::function<bool()>& should_stop);

// {"kind":"Status","status":"Failure","code":...} as sent in error answers and ERROR events.
web::json::value StatusObject(int code, const std::string& reason, const std::string& message);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_WATCH_STREAM_H_
