#include "common/state_codec.h"

#include <google/protobuf/util/json_util.h>

#include "common/sha256.h"
#include "common/state_json.h"

namespace dracpu {
namespace {

constexpr std::string_view kSuffixHead = ",\n \"checksum\": \"";
constexpr std::string_view kSuffixTail = "\"\n}\n";
constexpr size_t kHexLen = 64;
constexpr size_t kSuffixLen = kSuffixHead.size() + kHexLen + kSuffixTail.size();
static_assert(kSuffixLen == 84, "state_codec.h documents the suffix length");

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status ParseJson(std::string_view bytes, google::protobuf::Message* msg) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(bytes.data(), bytes.size()), msg, options);
  if (!st.ok()) return Status::Corruption("not a valid state file: " + st.ToString());
  return Status::OK();
}

}  // namespace

StatusOr<std::string> EncodeState(const AllocationState& state) {
  if (state.api_version().empty()) return Status::Internal("state to encode has no apiVersion");
  StatusOr<std::string> json = StateJsonWithoutClose(state);
  if (!json.ok()) return json.status();
  std::string hex = Sha256Hex(*json);
  json->append(kSuffixHead).append(hex).append(kSuffixTail);
  return json;
}

std::string_view EncodedChecksum(std::string_view encoded) {
  return encoded.substr(encoded.size() - kSuffixLen + kSuffixHead.size(), kHexLen);
}

namespace {

Status CheckVersion(const std::string& api_version) {
  if (api_version.empty()) return Status::Corruption("state file has no apiVersion");
  if (api_version != kStateApiVersion) {
    return Status::FailedPrecondition("state file apiVersion \"" + api_version +
                                      "\" is not supported (this reader speaks \"" +
                                      kStateApiVersion + "\")");
  }
  return Status::OK();
}

Status CheckChecksum(std::string_view bytes) {
  if (bytes.size() < kSuffixLen ||
      bytes.substr(bytes.size() - kSuffixLen, kSuffixHead.size()) != kSuffixHead ||
      bytes.substr(bytes.size() - kSuffixTail.size()) != kSuffixTail) {
    return Status::Corruption("state file does not end with its checksum member");
  }
  std::string_view body = bytes.substr(0, bytes.size() - kSuffixLen);
  std::string_view recorded = bytes.substr(body.size() + kSuffixHead.size(), kHexLen);
  if (!IsLowerHex(recorded)) return Status::Corruption("state file checksum is not hex");
  std::string actual = Sha256Hex(body);
  if (actual != recorded) {
    return Status::Corruption("state file checksum mismatch (recorded " + std::string(recorded) +
                              ", content hashes to " + actual + "): edited by hand or torn");
  }
  return Status::OK();
}

}  // namespace

StatusOr<AllocationState> DecodeState(std::string_view bytes) {
  // The common case costs one parse; the header parse only decides what a failure means.
  AllocationState state;
  Status parsed = ParseJson(bytes, &state);
  if (!parsed.ok()) {
    state::v1::StateHeader header;
    if (ParseJson(bytes, &header).ok() && !header.api_version().empty()) {
      DRACPU_RETURN_IF_ERROR(CheckVersion(header.api_version()));
    }
    return parsed;
  }
  DRACPU_RETURN_IF_ERROR(CheckVersion(state.api_version()));
  DRACPU_RETURN_IF_ERROR(CheckChecksum(bytes));
  return state;
}

}  // namespace dracpu
