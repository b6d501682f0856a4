// ListWatch: keeps a caller's view of a collection (e.g. this node's ResourceSlices) current.
//
// A background thread lists the collection, hands the full item set to on_sync, then watches
// from the list's resourceVersion and hands every ADDED/MODIFIED/DELETED to on_event. When a
// watch ends (server timeout, dropped connection) it re-watches from the last resourceVersion
// it saw (events and BOOKMARKs both advance it). When the server answers 410 Gone (as HTTP
// status or as an ERROR event) the version is too old: it lists again and calls on_sync.
// Errors back off (capped exponential, jittered) and are logged; nothing is thrown.
// Callbacks run on the watch thread, one at a time.

#ifndef DRACPU_DRIVER_KUBE_LIST_WATCH_H_
#define DRACPU_DRIVER_KUBE_LIST_WATCH_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "driver/kube/kube_client.h"

namespace dracpu::kube {

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type;
  Json object;
};

struct ListWatchStats {
  int lists = 0;    // successful (re)lists
  int watches = 0;  // watch requests opened
  int events = 0;   // ADDED/MODIFIED/DELETED delivered
  int bookmarks = 0;
  int gone = 0;                  // 410 answers
  std::string resource_version;  // where the next watch resumes
};

class ListWatch {
 public:
  struct Handlers {
    std::function<void(const std::vector<Json>& items)> on_sync;
    std::function<void(const WatchEvent& event)> on_event;
  };
  struct Options {
    std::chrono::seconds watch_timeout{300};  // timeoutSeconds asked of the server
    BackoffPolicy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(30000), 2.0,
                          0.2};
  };

  // REQUIRES: `client` outlives this object. `collection` is a path from client->paths().
  ListWatch(KubeClient* client, std::string collection, std::string field_selector,
            Handlers handlers, Options options);
  ListWatch(KubeClient* client, std::string collection, std::string field_selector,
            Handlers handlers)
      : ListWatch(client, std::move(collection), std::move(field_selector), std::move(handlers),
                  Options()) {}
  ~ListWatch();  // Stop()s

  void Start();
  // Ends the current watch and joins the thread. Idempotent. A list in flight is not
  // interrupted: Stop() may wait for it, at most the client's call timeout.
  void Stop();

  ListWatchStats stats() const;

 private:
  void Run();
  bool ListOnce();
  // Returns true when the caller should re-list (410).
  bool WatchOnce(bool* progressed);
  void Pause(int* failures);

  KubeClient* const client_;
  const std::string collection_;
  const std::string field_selector_;
  const Handlers handlers_;
  const Options options_;

  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;  // guards stats_, stream_, and the stop wait
  std::condition_variable stop_cv_;
  ListWatchStats stats_;
  LineStream* stream_ = nullptr;
};

}  // namespace dracpu::kube

#endif  // DRACPU_DRIVER_KUBE_LIST_WATCH_H_
