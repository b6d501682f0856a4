// StateWatcher: calls back when the state folder may have changed, so the nri-plugin notices an
// unprepared claim without waiting for the next container event (design.md §4: shared
// containers grow back within a bounded time).
//
// How: inotify on the folder (the driver replaces allocations.json by rename, which a watch on
// the file itself would lose), plus a periodic call as a fallback for what inotify misses (a
// folder that does not exist yet, a full event queue, a filesystem without inotify). The
// callback runs on the watcher's own thread, once per burst of events (events are drained
// before each call) and at least once per `period`. It must tolerate spurious calls: it gets one
// for the driver's temp file too, and its check is cheap (CpuPinningPlugin re-reads only a
// replaced file).
//
// Nothing is created in the folder; a missing folder is polled until it appears, then watched.

#ifndef DRACPU_NRI_PLUGIN_APP_STATE_WATCHER_H_
#define DRACPU_NRI_PLUGIN_APP_STATE_WATCHER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/status.h"

namespace dracpu::nri {

class StateWatcher {
 public:
  StateWatcher(std::string dir, std::chrono::milliseconds period, std::function<void()> on_change);
  ~StateWatcher();  // Stop()
  StateWatcher(const StateWatcher&) = delete;
  StateWatcher& operator=(const StateWatcher&) = delete;

  // Starts the thread, which calls on_change once at once. IOError when the kernel refuses an
  // inotify instance (the folder itself may be missing: that is polled, not an error).
  // REQUIRES: called once.
  Status Start();
  // Asks for a prompt call from any thread (e.g. a hook with updates it could not return).
  void Wake();
  // Ends the thread after the call in progress, if any. Idempotent.
  void Stop();

  // Whether the folder is under an inotify watch now (for tests and logs).
  bool watching() const { return watching_; }

 private:
  void Run();
  void TryWatch();
  // Waits for inotify events, a wake or the period; drains what arrived. False when stopping.
  bool WaitForChange();

  const std::string dir_;
  const std::chrono::milliseconds period_;
  const std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Wake and Stop
  int watch_ = -1;
  std::atomic<bool> watching_{false};
  bool poll_logged_ = false;  // "not watchable" said once until the watch works
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_APP_STATE_WATCHER_H_
