#include "common/state_json.h"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

namespace dracpu {
namespace {

using state::v1::AllocationState;
using state::v1::ClaimAllocation;

// Length of the UTF-8 sequence `s` starts with (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), 0 when it is not one.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return len;
}

// ASCII that JSON and protobuf's escaping leave alone, as a table: the test runs once per byte
// of the file.
struct PlainBytes {
  bool table[256] = {};
  constexpr PlainBytes() {
    for (int c = 0x20; c < 0x7f; ++c) table[c] = c != '"' && c != '\\' && c != '<' && c != '>';
  }
};
constexpr PlainBytes kPlain;

bool IsPlain(unsigned char c) { return kPlain.table[c]; }

// Appends members of one JSON object at one depth and closes it. Remembers the first string
// that was not UTF-8 instead of failing at every call.
class ObjectWriter {
 public:
  ObjectWriter(std::string* out, int depth, std::string* bad_field)
      : out_(out), depth_(depth), bad_field_(bad_field) {
    out_->push_back('{');
  }

  void String(const char* name, const std::string& value) {
    if (value.empty()) return;
    Name(name);
    Quoted(name, value);
  }

  void Strings(const char* name, const google::protobuf::RepeatedPtrField<std::string>& values) {
    if (values.empty()) return;
    Name(name);
    out_->push_back('[');
    for (int i = 0; i < values.size(); ++i) {
      out_->append(i == 0 ? "\n" : ",\n").append(depth_ + 1, ' ');
      Quoted(name, values[i]);
    }
    out_->push_back('\n');
    out_->append(depth_, ' ').push_back(']');
  }

  void QuotedNumber(const char* name, uint64_t value) {
    if (value == 0) return;
    Name(name);
    out_->append("\"").append(std::to_string(value)).append("\"");
  }

  void Enum(const char* name, int value, const std::string& value_name) {
    if (value == 0) return;
    Name(name);
    if (value_name.empty()) {
      out_->append(std::to_string(value));
    } else {
      out_->append("\"").append(value_name).append("\"");
    }
  }

  // Starts member `name` whose value the caller writes next (a nested ObjectWriter).
  void Name(std::string_view name) {
    StartMember();
    out_->append("\"").append(name).append("\": ");
  }

  // Starts the map entry `key` (escaped: keys come from the data) of map field `field`.
  void Key(const char* field, const std::string& key) {
    StartMember();
    Quoted(field, key);
    out_->append(": ");
  }

  void Close() {
    if (!empty_) out_->append("\n").append(depth_ - 1, ' ');
    out_->push_back('}');
  }

  int depth() const { return depth_; }

 private:
  void StartMember() {
    out_->append(empty_ ? "\n" : ",\n").append(depth_, ' ');
    empty_ = false;
  }

  void Quoted(const char* field, std::string_view s) {
    out_->push_back('"');
    for (size_t i = 0; i < s.size();) {
      // Most bytes need no escape: copy each run of them at once.
      size_t run = i;
      while (run < s.size() && IsPlain(static_cast<unsigned char>(s[run]))) ++run;
      out_->append(s.data() + i, run - i);
      if (run == s.size()) break;
      i = run;
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        size_t len = Utf8SequenceLength(s.substr(i));
        if (len == 0) {
          if (bad_field_->empty()) *bad_field_ = field;
          len = 1;  // skipped; the caller fails the whole encoding
        } else {
          out_->append(s.substr(i, len));
        }
        i += len;
        continue;
      }
      ++i;
      switch (c) {
        case '"': out_->append("\\\""); continue;
        case '\\': out_->append("\\\\"); continue;
        case '\b': out_->append("\\b"); continue;
        case '\f': out_->append("\\f"); continue;
        case '\n': out_->append("\\n"); continue;
        case '\r': out_->append("\\r"); continue;
        case '\t': out_->append("\\t"); continue;
        default: break;
      }
      // Protobuf's escaping: controls, DEL, and the angle brackets (HTML safety).
      if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
        out_->append(escaped);
      } else {
        out_->push_back(static_cast<char>(c));
      }
    }
    out_->push_back('"');
  }

  std::string* out_;
  int depth_;
  std::string* bad_field_;
  bool empty_ = true;
};

void WriteClaim(const ClaimAllocation& claim, ObjectWriter* parent, std::string* out,
                std::string* bad_field) {
  ObjectWriter w(out, parent->depth() + 1, bad_field);
  w.String("uid", claim.uid());
  w.String("namespace", claim.namespace_());
  w.String("name", claim.name());
  w.String("cpus", claim.cpus());
  w.Strings("podUids", claim.pod_uids());
  w.Enum("phase", claim.phase(),
         ClaimAllocation::Phase_IsValid(claim.phase()) ? ClaimAllocation::Phase_Name(claim.phase())
                                                       : std::string());
  w.String("updatedAt", claim.updated_at());
  w.Strings("devices", claim.devices());
  w.Close();
}

}  // namespace

StatusOr<std::string> StateJsonWithoutClose(const AllocationState& state) {
  std::string out;
  out.reserve(256 + 512 * state.claims_size());
  std::string bad_field;
  ObjectWriter top(&out, 1, &bad_field);
  top.String("apiVersion", state.api_version());
  top.QuotedNumber("generation", state.generation());
  top.String("nodeName", state.node_name());
  top.String("bootId", state.boot_id());
  top.String("onlineCpus", state.online_cpus());
  top.String("reservedCpus", state.reserved_cpus());
  top.String("allocatableCpus", state.allocatable_cpus());
  if (!state.claims().empty()) {
    std::vector<std::pair<const std::string*, const ClaimAllocation*>> sorted;
    sorted.reserve(state.claims_size());
    for (const auto& [key, claim] : state.claims()) sorted.emplace_back(&key, &claim);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    top.Name("claims");
    ObjectWriter claims(&out, 2, &bad_field);
    for (const auto& [key, claim] : sorted) {
      claims.Key("claims", *key);
      WriteClaim(*claim, &claims, &out, &bad_field);
    }
    claims.Close();
  }
  top.String("updatedAt", state.updated_at());
  if (!bad_field.empty()) {
    return Status::InvalidArgument("state field " + bad_field +
                                   " holds a string that is not "
                                   "UTF-8; proto3 JSON cannot carry it");
  }
  return out;
}

}  // namespace dracpu
