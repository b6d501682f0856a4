// StateStore: the state file shared by the driver (writer) and the nri-plugin (reader), the
// contract of design.md §2. File format and checksum: state_codec.h.
//
// Files, inside one folder (/var/lib/dra-cpu in production, a temp folder in tests):
//   allocations.json          the data, replaced whole by rename on every write
//   allocations.lock          flock target; a separate file so a rename never changes what is
//                             locked
//   allocations.json.tmp      the next version while it is being written
//   allocations.json.corrupt-<UTC time>   a damaged file moved aside by Update
// The folder is created 0750 if missing (a world-writable existing folder loses o+w), data and
// lock files are exactly 0640 whatever the umask: no other user may forge allocations.
//
// Concurrency. Update holds flock(LOCK_EX) for one read-modify-write; Read holds flock(LOCK_SH)
// while it reads. Because the data file is only ever replaced by rename (atomic_file.h), a
// reader never sees a torn file even without the lock, so a reader whose folder has no lock file
// yet (no writer has ever run; or a read-only mount) reads without it.
//
// REQUIRES of callers of Update: `mutate` must be quick and local. Never make a network call
// (API server, kubelet, runtime) or wait on another process inside it: the lock is held and
// every reader on the node, including the runtime's container creation path, waits. Fetch
// first, then Update with the result, and re-check inside `mutate` what may have changed.
//
// Errors from Read and Update:
//   Corruption          bad JSON, missing or wrong checksum, or Options::validate refused it.
//                       Read reports it and leaves the file alone (the nri-plugin may not own
//                       the folder). Update moves the file aside
//                       (allocations.json.corrupt-<time>), logs at ERROR, applies nothing and
//                       returns Corruption; the next Update starts from an empty state, so the
//                       writer must rebuild its claims (the driver: from its CDI files,
//                       docs/state-file.md).
//   FailedPrecondition  an apiVersion this build does not know: a newer writer may own the
//                       file, so it is neither moved nor overwritten.
//   IOError, PermissionDenied, ResourceExhausted (file over 64 MiB): as the names say.
// A missing data file is not an error: it is the empty state (no claims, generation 0).
//
// Cost. Parsing the JSON dominates a read (about 0.5 ms for 100 claims), so a store remembers
// the bytes it last decoded or wrote together with their state: a load whose bytes are equal
// reuses that state instead of parsing again. Every load still opens and reads the file under
// the lock, so other writers, hand edits and damage are seen exactly as without the cache; only
// the parse of bytes already verified (or produced by EncodeState) is skipped. An unchanged file
// is compared with the remembered bytes through a small buffer, so a load allocates nothing
// either; View hands out the remembered state itself, and Update moves it rather than copying
// it when no View is looking at it. A driver prepare (one View, two Updates) thus neither parses
// nor copies the state when the driver is the only writer. The price: an Update that moved the
// state and then fails (mutate refuses, or the write fails) leaves nothing cached, so the next
// load parses.
// Thread-safe: concurrent Reads and Updates on one store are fine (the flock serializes the
// file, a mutex the cache).

#ifndef DRACPU_COMMON_STATE_STORE_H_
#define DRACPU_COMMON_STATE_STORE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/scoped_fd.h"
#include "common/state_codec.h"
#include "common/status.h"

namespace dracpu {

class StateStore {
 public:
  struct Options {
    mode_t file_perms = 0640;
    mode_t dir_perms = 0750;
    // Checks the meaning of a file that decoded cleanly (the driver's: no CPU promised to two
    // claims). A failure makes the file Corruption exactly like a bad checksum, so Read reports
    // it and Update keeps it aside. Update also refuses (FailedPrecondition, nothing written)
    // a mutation whose result the check refuses. Empty = no check.
    std::function<Status(const AllocationState&)> validate;
  };

  explicit StateStore(std::string dir) : StateStore(std::move(dir), Options()) {}
  StateStore(std::string dir, Options options);

  const std::string& dir() const { return dir_; }
  std::string data_path() const { return dir_ + "/allocations.json"; }
  std::string lock_path() const { return dir_ + "/allocations.lock"; }

  // One locked read-modify-write: reads the current state (empty if missing), calls `mutate`,
  // and when it returns OK writes the result with generation = previous + 1, updatedAt = now,
  // apiVersion = kStateApiVersion and a fresh checksum, durably (fsync of file and folder)
  // before unlocking. A non-OK `mutate` writes nothing and its Status is returned.
  // The generation, apiVersion and checksum set by `mutate` are ignored.
  Status Update(const std::function<Status(AllocationState*)>& mutate);

  // The current state under a shared lock.
  StatusOr<AllocationState> Read() const;

  // Like Read, without the copy: calls `inspect` with the current state and returns what it
  // returns (or the load's error, without calling it). The lock is already released when
  // `inspect` runs; the state it sees stays valid for the call only.
  Status View(const std::function<Status(const AllocationState&)>& inspect) const;

 private:
  friend class CachedStateReader;

  // One attempt at reading the data file: the outcome, the open descriptor it was read from and
  // its identity, so the cached reader can tell later whether the path still names the same
  // file (also after a failure, to avoid re-reading a damaged file on every call).
  struct Loaded {
    Status status;
    std::shared_ptr<const AllocationState> state;  // set when status is OK
    bool missing = false;                          // no data file: the empty state
    ScopedFd fd;        // the file read; invalid when missing or not openable
    struct stat st {};  // identity of fd
  };
  // REQUIRES: the caller holds the lock (or knows none exists).
  Loaded LoadUnlocked() const;
  Loaded LoadShared() const;
  // DecodeState(bytes) then Options::validate (its refusal is Corruption); a state that passes
  // becomes the cache.
  StatusOr<std::shared_ptr<const AllocationState>> Decode(std::string bytes) const;
  std::shared_ptr<const AllocationState> Remember(std::string bytes, AllocationState state) const;
  struct Decoded;
  std::shared_ptr<const Decoded> Cached() const;
  // Whether the file behind `fd` holds exactly `expected`, read without allocating.
  static StatusOr<bool> SameBytes(int fd, std::string_view expected, const std::string& path);
  // The loaded state as a value Update may change: moved out of the cache when only the cache
  // and `loaded` refer to it (the cache is then dropped), copied otherwise.
  AllocationState TakeForUpdate(std::shared_ptr<const AllocationState> loaded) const;
  Status EnsureDir() const;
  // Renames the damaged data file aside; returns the new name.
  StatusOr<std::string> MoveAside() const;

  std::string dir_;
  Options options_;

  struct Decoded {
    std::string bytes;
    // Never const (only handed out as const), so TakeForUpdate may move from it.
    std::shared_ptr<AllocationState> state;
  };
  mutable std::mutex cache_mu_;
  mutable std::shared_ptr<const Decoded> cache_;  // GUARDED_BY(cache_mu_)
};

// CachedStateReader: the nri-plugin's hot path. Refresh costs one stat(2) when nothing changed:
// no lock, no read, no parse.
//
// How it knows: writers never modify allocations.json in place, they rename a new file over it,
// so "changed" is exactly "the path names another inode". The reader keeps the file it last
// parsed open, which keeps that inode alive so its number cannot be reused by a later file;
// comparing (device, inode) of the path with the held file is therefore exact. Size and mtime
// are compared too, to notice a hand edit made in place. A missing file is remembered as such.
//
// Not thread-safe; one per thread (or guard it).
class CachedStateReader {
 public:
  // REQUIRES: store outlives the reader.
  explicit CachedStateReader(const StateStore* store) : store_(store) {}

  // Makes state() current. Returns true when it re-read a different file (the generation may
  // or may not differ: compare generation() when that matters), false when nothing changed.
  // On error (see StateStore) state() keeps the last good state, and the same error is returned
  // without re-reading until the file changes again; the caller decides whether stale state is
  // acceptable (for granting exclusive CPUs it is not).
  StatusOr<bool> Refresh();

  // REQUIRES: a Refresh has succeeded.
  const AllocationState& state() const { return *state_; }
  uint64_t generation() const { return state_->generation(); }

 private:
  bool SameFileAsCached(const struct stat& now) const;

  const StateStore* store_;
  bool loaded_ = false;  // a Refresh has parsed (or failed to parse) some file
  bool missing_ = false;
  ScopedFd fd_;
  struct stat st_ {};
  Status last_error_;
  std::shared_ptr<const AllocationState> state_;
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_STATE_STORE_H_
