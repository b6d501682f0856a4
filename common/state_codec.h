// The bytes of the state file (design.md §2, contract v1): pure encoding and decoding, no I/O.
//
// Layout. The file is protobuf's JSON mapping of dracpu.state.v1.AllocationState, pretty
// printed so a person can read it, with the checksum as the last member of the top-level
// object, written exactly as
//     <P>,\n "checksum": "<64 lowercase hex digits>"\n}\n
// where P is every byte before that suffix.
//
// Checksum. checksum = SHA-256 of P, in lowercase hex. To check a file by hand:
//     head -c -84 allocations.json | sha256sum        (84 = length of the suffix)
// It is defined over the bytes on disk rather than over a re-serialization of the parsed
// message so that a reader verifies a file written by a newer writer even when that file
// carries fields the reader does not know (and therefore cannot re-serialize), and so that
// verifying costs one hash, not a second serialization.
//
// What each failure means:
//   - an apiVersion other than kStateApiVersion: FailedPrecondition (a newer writer may own the
//     file; it is not damaged and must not be moved aside). When the whole message does not
//     parse, apiVersion alone is read (proto StateHeader, every other field ignored), so a v2
//     file whose other fields changed shape is still recognized by its version;
//   - not JSON, no apiVersion, a parse error, a missing or mismatched checksum: Corruption.
// Unknown fields are ignored.

#ifndef DRACPU_COMMON_STATE_CODEC_H_
#define DRACPU_COMMON_STATE_CODEC_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/state.pb.h"

namespace dracpu {

using AllocationState = ::dracpu::state::v1::AllocationState;
using ClaimAllocation = ::dracpu::state::v1::ClaimAllocation;

inline constexpr char kStateApiVersion[] = "dra.cpu/v1";

// The file bytes for `state`; its checksum field is ignored and recomputed.
// REQUIRES: state.api_version() non-empty (the store sets it), so the object has a member
// before the checksum. InvalidArgument when a string is not UTF-8 (state_json.h).
StatusOr<std::string> EncodeState(const AllocationState& state);

// The state in `bytes`, with checksum() set from the file. Errors as described above.
StatusOr<AllocationState> DecodeState(std::string_view bytes);

// The checksum recorded in bytes EncodeState returned (what DecodeState would set), without
// parsing them. REQUIRES: `encoded` came from EncodeState.
std::string_view EncodedChecksum(std::string_view encoded);

}  // namespace dracpu

#endif  // DRACPU_COMMON_STATE_CODEC_H_
