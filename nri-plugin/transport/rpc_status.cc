#include "nri-plugin/transport/rpc_status.h"

namespace dracpu::ttrpc {

std::string RpcCodeName(int32_t code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  if (code >= 0 && code <= 16) return kNames[code];
  return "CODE(" + std::to_string(code) + ")";
}

RpcCode RpcCodeFromStatus(const Status& status) {
  using C = Status::Code;
  switch (status.code()) {
    case C::kOk: return RpcCode::kOk;
    case C::kInvalidArgument: return RpcCode::kInvalidArgument;
    case C::kNotFound: return RpcCode::kNotFound;
    case C::kAlreadyExists: return RpcCode::kAlreadyExists;
    case C::kFailedPrecondition: return RpcCode::kFailedPrecondition;
    case C::kResourceExhausted: return RpcCode::kResourceExhausted;
    case C::kCorruption: return RpcCode::kDataLoss;
    case C::kUnavailable: return RpcCode::kUnavailable;
    case C::kDeadlineExceeded: return RpcCode::kDeadlineExceeded;
    case C::kAborted: return RpcCode::kAborted;
    case C::kPermissionDenied: return RpcCode::kPermissionDenied;
    case C::kInternal: return RpcCode::kInternal;
    case C::kIOError: return RpcCode::kUnknown;
  }
  return RpcCode::kUnknown;
}

Status StatusFromRpc(int32_t code, const std::string& message) {
  std::string text = "rpc error " + RpcCodeName(code) + ": " + message;
  switch (static_cast<RpcCode>(code)) {
    case RpcCode::kInvalidArgument:
    case RpcCode::kOutOfRange: return Status::InvalidArgument(text);
    case RpcCode::kNotFound: return Status::NotFound(text);
    case RpcCode::kAlreadyExists: return Status::AlreadyExists(text);
    case RpcCode::kPermissionDenied:
    case RpcCode::kUnauthenticated: return Status::PermissionDenied(text);
    case RpcCode::kResourceExhausted: return Status::ResourceExhausted(text);
    case RpcCode::kFailedPrecondition:
    case RpcCode::kUnimplemented: return Status::FailedPrecondition(text);
    case RpcCode::kAborted:
    case RpcCode::kCancelled: return Status::Aborted(text);
    case RpcCode::kDeadlineExceeded: return Status::DeadlineExceeded(text);
    case RpcCode::kUnavailable: return Status::Unavailable(text);
    case RpcCode::kDataLoss: return Status::Corruption(text);
    default: return Status::Internal(text);
  }
}

}  // namespace dracpu::ttrpc
