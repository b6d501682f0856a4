// Status: the outcome of an operation that can fail, returned instead of thrown.
//
// Modelled on LevelDB's Status: a value that is cheap when OK, carries a code an
// operator (and a caller) can branch on, and a message that names the input at fault.
// Exceptions never cross a module boundary in this project; code that calls a library
// that throws (yaml-cpp, cpprestsdk, protobuf JSON) catches at the adapter and returns
// a Status.
//
// StatusOr<T>: either a value or a non-OK Status.
//   REQUIRES: ok() before value(); value() on an error aborts (a programming error,
//   never an input error).

#ifndef DRACPU_COMMON_STATUS_H_
#define DRACPU_COMMON_STATUS_H_

#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace dracpu {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // malformed input: a cpulist, a config key, an env var
    kNotFound,         // a required file, claim or object is absent
    kAlreadyExists,
    kFailedPrecondition,  // the request is well formed but cannot be honoured now
    kResourceExhausted,   // not enough free CPUs, a message too large
    kCorruption,          // a file or frame failed its checksum or could not be parsed
    kUnavailable,         // a peer (API server, runtime) is unreachable; retry may help
    kDeadlineExceeded,
    kAborted,           // a conflict (HTTP 409); re-read and retry
    kPermissionDenied,  // e.g. a forged DRA_CPUSET_* env var
    kInternal,
    kIOError,
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) {
    return {Code::kDeadlineExceeded, std::move(msg)};
  }
  static Status Aborted(std::string msg) { return {Code::kAborted, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsResourceExhausted() const { return code_ == Code::kResourceExhausted; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }

  // "InvalidArgument: cpulist \"3-1\": range end below start"
  std::string ToString() const;

  // Returns a copy whose message is "context: <message>"; OK stays OK.
  Status Annotate(const std::string& context) const;

  static const char* CodeName(Code code);

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Internal("StatusOr constructed from OK without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    if (!ok()) std::abort();
    return *value_;
  }
  T& value() & {
    if (!ok()) std::abort();
    return *value_;
  }
  T&& value() && {
    if (!ok()) std::abort();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace dracpu

// Returns early from the enclosing function with the Status of `expr` when it is not OK.
#define DRACPU_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::dracpu::Status _dracpu_status = (expr);        \
    if (!_dracpu_status.ok()) return _dracpu_status; \
  } while (0)

#endif  // DRACPU_COMMON_STATUS_H_
