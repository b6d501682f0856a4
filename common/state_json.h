// The JSON text of an AllocationState, written field by field (state_codec.h wraps it with the
// checksum).
//
// Why not protobuf's printer: util::MessageToJsonString serializes the message to binary and
// renders that through a type resolver. With 100 claims that costs about 0.3 ms, and the driver
// writes the state twice per prepare, so the printer alone was a third of a prepare's budget.
// This writer walks the message directly.
//
// The text protobuf's printer makes with add_whitespace (one space of indent per level, members
// in field-number order, fields holding their default value omitted, uint64 as a quoted decimal,
// enums by name or by number when unnamed), byte for byte when every string is ASCII, with two
// differences that parse to the same message: claims are sorted by key (protobuf prints its hash
// map's order, so two writes of one state could differ), and valid non-ASCII UTF-8 is written as
// it is (protobuf escapes a few code points such as U+2028).
//
// When state.proto gains a field, this writer must learn it: state_json_test fills every field
// the descriptor lists and fails on a field this writer drops.

#ifndef DRACPU_COMMON_STATE_JSON_H_
#define DRACPU_COMMON_STATE_JSON_H_

#include <string>

#include "common/status.h"
#include "proto/state.pb.h"

namespace dracpu {

// The object's text up to, not including, the newline and brace that close it: "{" followed by
// every member except `checksum`, so the caller can append more members. "{" alone when no
// member is set. InvalidArgument, naming the field, when a string is not valid UTF-8 (proto3
// requires it, and a reader's parser would refuse the file).
StatusOr<std::string> StateJsonWithoutClose(const state::v1::AllocationState& state);

}  // namespace dracpu

#endif  // DRACPU_COMMON_STATE_JSON_H_
