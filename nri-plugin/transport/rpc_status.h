// gRPC status codes as ttrpc carries them in google.rpc.Status (ttrpc-and-nri.md A.7), and the
// mapping to and from the project's Status. A handler returns a Status; the peer sees the code
// an upstream Go server would send for the same failure.

#ifndef DRACPU_NRI_PLUGIN_TRANSPORT_RPC_STATUS_H_
#define DRACPU_NRI_PLUGIN_TRANSPORT_RPC_STATUS_H_

#include <cstdint>
#include <string>

#include "common/status.h"

namespace dracpu::ttrpc {

enum class RpcCode : int32_t {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// "UNIMPLEMENTED", or "CODE(<n>)" for a value outside the table.
std::string RpcCodeName(int32_t code);

// The code a failed handler's Status is reported with.
RpcCode RpcCodeFromStatus(const Status& status);

// The Status a client call fails with when the server answered `code` (REQUIRES: code != 0).
// The message keeps the gRPC code name so logs say exactly what the peer sent:
// "rpc error UNIMPLEMENTED: service foo".
Status StatusFromRpc(int32_t code, const std::string& message);

}  // namespace dracpu::ttrpc

#endif  // DRACPU_NRI_PLUGIN_TRANSPORT_RPC_STATUS_H_
