#include "common/state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <glog/logging.h>
#include <stdio.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>

#include "common/atomic_file.h"
#include "common/file_lock.h"

namespace dracpu {
namespace {

AllocationState EmptyState() {
  AllocationState state;
  state.set_api_version(kStateApiVersion);
  return state;
}

// UTC time, e.g. "2026-11-26T23:59:01.123Z" (rfc3339 = true) or "20261126T235901.123Z" (for
// file names).
std::string UtcNow(bool rfc3339) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), rfc3339 ? "%Y-%m-%dT%H:%M:%S" : "%Y%m%dT%H%M%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%03ldZ", buf, ms);
  return out;
}

}  // namespace

StateStore::StateStore(std::string dir, Options options)
    : dir_(std::move(dir)), options_(options) {}

StateStore::Loaded StateStore::LoadUnlocked() const {
  Loaded out;
  const std::string path = data_path();
  out.fd.Reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!out.fd.valid()) {
    if (errno == ENOENT) {
      out.missing = true;
      out.state = std::make_shared<AllocationState>(EmptyState());
      return out;
    }
    out.status = Status::IOError(path + ": open: " + std::strerror(errno));
    return out;
  }
  if (::fstat(out.fd.get(), &out.st) != 0) {
    out.status = Status::IOError(path + ": fstat: " + std::strerror(errno));
    out.fd.Reset();
    return out;
  }
  std::shared_ptr<const Decoded> cached = Cached();
  if (cached != nullptr && static_cast<size_t>(out.st.st_size) == cached->bytes.size()) {
    StatusOr<bool> same = SameBytes(out.fd.get(), cached->bytes, path);
    if (!same.ok()) {
      out.status = same.status();
      return out;
    }
    if (*same) {
      out.state = cached->state;
      return out;
    }
  }
  StatusOr<std::string> bytes = ReadAll(out.fd.get(), path);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  StatusOr<std::shared_ptr<const AllocationState>> state = Decode(std::move(bytes).value());
  if (!state.ok()) {
    out.status = state.status().Annotate(path);
    // Both need an operator: damage, or a newer writer this reader cannot follow.
    if (out.status.IsCorruption()) LOG(ERROR) << "state file is corrupt: " << out.status;
    if (out.status.code() == Status::Code::kFailedPrecondition) {
      LOG(ERROR) << "state file refused: " << out.status;
    }
    return out;
  }
  out.state = std::move(state).value();
  return out;
}

StatusOr<std::shared_ptr<const AllocationState>> StateStore::Decode(std::string bytes) const {
  StatusOr<AllocationState> state = DecodeState(bytes);
  if (!state.ok()) return state.status();
  // Validated once per distinct content: the cache holds only states that passed (or that this
  // store wrote itself), so the check stays off the path of an unchanged file.
  if (options_.validate) {
    Status valid = options_.validate(*state);
    if (!valid.ok()) return Status::Corruption(valid.message());
  }
  return Remember(std::move(bytes), std::move(state).value());
}

std::shared_ptr<const AllocationState> StateStore::Remember(std::string bytes,
                                                            AllocationState state) const {
  auto decoded = std::make_shared<Decoded>();
  decoded->bytes = std::move(bytes);
  decoded->state = std::make_shared<AllocationState>(std::move(state));
  std::shared_ptr<const AllocationState> out = decoded->state;
  std::lock_guard<std::mutex> hold(cache_mu_);
  cache_ = std::move(decoded);
  return out;
}

std::shared_ptr<const StateStore::Decoded> StateStore::Cached() const {
  std::lock_guard<std::mutex> hold(cache_mu_);
  return cache_;
}

StatusOr<bool> StateStore::SameBytes(int fd, std::string_view expected, const std::string& path) {
  // Compared piece by piece through a stack buffer: reading the whole file into a fresh string
  // made every unchanged load allocate the file's size, which glibc pays for by consolidating
  // its free lists.
  char buf[8192];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof(buf), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(path + ": read: " + std::strerror(errno));
    }
    const size_t have = static_cast<size_t>(n);
    if (n == 0) return static_cast<size_t>(offset) == expected.size();
    if (static_cast<size_t>(offset) + have > expected.size() ||
        std::memcmp(buf, expected.data() + offset, have) != 0) {
      return false;
    }
    offset += n;
  }
}

StateStore::Loaded StateStore::LoadShared() const {
  StatusOr<FileLock> lock = FileLock::Acquire(lock_path(), FileLock::Mode::kShared, false);
  if (!lock.ok() && !lock.status().IsNotFound()) {
    Loaded out;
    out.status = lock.status();
    return out;
  }
  // Without a lock file no writer has run yet; replacement by rename keeps a lockless read
  // safe anyway (see the header).
  return LoadUnlocked();
}

StatusOr<AllocationState> StateStore::Read() const {
  AllocationState copy;
  DRACPU_RETURN_IF_ERROR(View([&](const AllocationState& state) {
    copy = state;
    return Status::OK();
  }));
  return copy;
}

Status StateStore::View(const std::function<Status(const AllocationState&)>& inspect) const {
  Loaded loaded = LoadShared();
  if (!loaded.status.ok()) return loaded.status;
  return inspect(*loaded.state);
}

Status StateStore::EnsureDir() const {
  if (::mkdir(dir_.c_str(), options_.dir_perms) == 0) {
    // mkdir applied the umask; set the intended bits exactly.
    if (::chmod(dir_.c_str(), options_.dir_perms) != 0) {
      return Status::IOError(dir_ + ": chmod: " + std::strerror(errno));
    }
    return Status::OK();
  }
  if (errno != EEXIST) return Status::IOError(dir_ + ": mkdir: " + std::strerror(errno));
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0) return Status::IOError(dir_ + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Status::FailedPrecondition(dir_ + ": not a directory");
  if (st.st_mode & S_IWOTH) {
    LOG(WARNING) << "state folder " << dir_ << " was world-writable; removing o+w";
    if (::chmod(dir_.c_str(), st.st_mode & 07775) != 0) {
      return Status::IOError(dir_ + ": chmod: " + std::strerror(errno));
    }
  }
  return Status::OK();
}

StatusOr<std::string> StateStore::MoveAside() const {
  const std::string from = data_path();
  const std::string base = from + ".corrupt-" + UtcNow(false);
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string to = attempt == 0 ? base : base + "-" + std::to_string(attempt);
    // Never replace an earlier corrupt copy: it may be the only record of what happened.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) {
      DRACPU_RETURN_IF_ERROR(FsyncDir(dir_));
      return to;
    }
    if (errno == EEXIST) continue;
    if (errno == EINVAL && ::rename(from.c_str(), to.c_str()) == 0) {  // no RENAME_NOREPLACE
      DRACPU_RETURN_IF_ERROR(FsyncDir(dir_));
      return to;
    }
    return Status::IOError(from + ": moving aside to " + to + ": " + std::strerror(errno));
  }
  return Status::IOError(from + ": too many corrupt copies beside it");
}

Status StateStore::Update(const std::function<Status(AllocationState*)>& mutate) {
  DRACPU_RETURN_IF_ERROR(EnsureDir());
  StatusOr<FileLock> lock =
      FileLock::Acquire(lock_path(), FileLock::Mode::kExclusive, true, options_.file_perms);
  if (!lock.ok()) return lock.status();
  Loaded loaded = LoadUnlocked();
  if (loaded.status.IsCorruption()) {
    loaded.fd.Reset();
    StatusOr<std::string> aside = MoveAside();
    if (!aside.ok()) return aside.status().Annotate(loaded.status.ToString());
    LOG(ERROR) << "corrupt state file moved aside to " << *aside
               << "; the writer must rebuild the claims it held";
    return Status::Corruption(loaded.status.message() + " (moved aside to " + *aside +
                              "; the writer rebuilds its claims)");
  }
  if (!loaded.status.ok()) return loaded.status;

  AllocationState state = TakeForUpdate(std::move(loaded.state));
  const uint64_t generation = state.generation() + 1;
  DRACPU_RETURN_IF_ERROR(mutate(&state));
  // Never write what a load would call corrupt; it also keeps the cache (Remember below) free
  // of states the check would refuse.
  if (options_.validate) {
    Status valid = options_.validate(state);
    if (!valid.ok()) return Status::FailedPrecondition("not written: " + valid.message());
  }
  state.set_api_version(kStateApiVersion);
  state.set_generation(generation);
  state.set_updated_at(UtcNow(true));
  state.clear_checksum();  // the old one; saves EncodeState a copy
  StatusOr<std::string> bytes = EncodeState(state);
  if (!bytes.ok()) return bytes.status();
  DRACPU_RETURN_IF_ERROR(WriteFileAtomically(data_path(), *bytes, options_.file_perms));
  // What the next load of these bytes would decode to, checksum included.
  state.set_checksum(std::string(EncodedChecksum(*bytes)));
  VLOG(1) << "state " << data_path() << " generation " << generation << " written ("
          << state.claims_size() << " claims)";
  Remember(std::move(bytes).value(), std::move(state));
  return Status::OK();
}

AllocationState StateStore::TakeForUpdate(std::shared_ptr<const AllocationState> loaded) const {
  std::lock_guard<std::mutex> hold(cache_mu_);
  // Held only by the cache and by `loaded` (new references come from the cache, under this
  // mutex): the cache is about to be replaced by what this Update writes, so the state is moved
  // out rather than copied. Anyone else looking at it (a View) gets a copy made instead, and
  // the cache stays. Every state is created non-const (Remember), so moving out is defined.
  if (cache_ != nullptr && cache_->state == loaded && loaded.use_count() == 2) {
    cache_.reset();
    // use_count() is a relaxed load: the fence orders the reads another thread made through
    // its View before it let go of its reference ahead of the writes of the move below.
    std::atomic_thread_fence(std::memory_order_acquire);
    return std::move(*std::const_pointer_cast<AllocationState>(loaded));
  }
  return *loaded;
}

bool CachedStateReader::SameFileAsCached(const struct stat& now) const {
  return fd_.valid() && now.st_dev == st_.st_dev && now.st_ino == st_.st_ino &&
         now.st_size == st_.st_size && now.st_mtim.tv_sec == st_.st_mtim.tv_sec &&
         now.st_mtim.tv_nsec == st_.st_mtim.tv_nsec;
}

StatusOr<bool> CachedStateReader::Refresh() {
  if (loaded_) {
    struct stat now;
    bool unchanged = false;
    if (::stat(store_->data_path().c_str(), &now) == 0) {
      unchanged = !missing_ && SameFileAsCached(now);
    } else if (errno == ENOENT) {
      unchanged = missing_;
    }
    if (unchanged) {
      if (!last_error_.ok()) return last_error_;
      return false;
    }
  }
  StateStore::Loaded loaded = store_->LoadShared();
  // Remember which file this outcome belongs to, good or bad, unless the file could not even be
  // opened (then retry next time).
  loaded_ = loaded.missing || loaded.fd.valid();
  missing_ = loaded.missing;
  fd_ = std::move(loaded.fd);
  st_ = loaded.st;
  last_error_ = loaded.status;
  if (!loaded.status.ok()) return loaded.status;
  state_ = std::move(loaded.state);
  return true;
}

}  // namespace dracpu
