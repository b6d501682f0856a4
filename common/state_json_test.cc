#include "common/state_json.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "common/state_codec.h"

namespace dracpu {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// What protobuf's own printer makes of `state`, the reference this writer must match.
std::string ProtobufText(const AllocationState& state) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(state, &json, options).ok());
  return json;
}

// Our text, closed the way protobuf closes an object.
std::string OurText(const AllocationState& state) {
  StatusOr<std::string> open = StateJsonWithoutClose(state);
  REQUIRE(open.ok());
  return *open + (*open == "{" ? "}\n" : "\n}\n");
}

AllocationState Parse(const std::string& json) {
  AllocationState out;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &out).ok());
  return out;
}

// Sets every field the descriptor lists (except the checksum, which the writer leaves to the
// codec) to a value that is not its default, recursing into messages and map values, so that a
// field added to state.proto and not to the writer is noticed here.
void FillEveryField(Message* msg, const std::string& tag, const std::vector<std::string>& keys) {
  const auto* desc = msg->GetDescriptor();
  const auto* refl = msg->GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* f = desc->field(i);
    if (f->name() == "checksum") continue;
    const std::string value = tag + "-" + f->name() + " <\"\\\n\t>";
    if (f->is_map()) {
      for (const std::string& key : keys) {
        Message* entry = refl->AddMessage(msg, f);
        entry->GetReflection()->SetString(entry, entry->GetDescriptor()->map_key(), key);
        FillEveryField(
            entry->GetReflection()->MutableMessage(entry, entry->GetDescriptor()->map_value()),
            tag + "/" + key, keys);
      }
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->is_repeated()) {
          refl->AddString(msg, f, value + "1");
          refl->AddString(msg, f, value + "2");
        } else {
          refl->SetString(msg, f, value);
        }
        break;
      case FieldDescriptor::CPPTYPE_UINT64: refl->SetUInt64(msg, f, 18446744073709551615ull); break;
      case FieldDescriptor::CPPTYPE_ENUM:
        refl->SetEnumValue(msg, f,
                           f->enum_type()->value(f->enum_type()->value_count() - 1)->number());
        break;
      default: FAIL("state.proto gained a field type the writer does not know: " << f->full_name());
    }
  }
}

// Protobuf prints map entries in its hash map's order, which is not stable; the writer sorts
// them. So byte equality is asserted with one claim, meaning and order with several.
TEST_CASE("state JSON: every field of state.proto, byte for byte what protobuf prints") {
  AllocationState state;
  FillEveryField(&state, "s", {"c\"key"});
  REQUIRE(state.claims_size() == 1);
  CHECK(OurText(state) == ProtobufText(state));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(Parse(OurText(state)), state));
}

TEST_CASE("state JSON: claims in key order, whatever order the map holds them in") {
  AllocationState state;
  FillEveryField(&state, "s", {"b-key", "a-key", "c\"key", "B-key", ""});
  const std::string text = OurText(state);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(Parse(text), state));
  size_t last = 0;
  for (const char* key :
       {"\"\": {", "\"B-key\": {", "\"a-key\": {", "\"b-key\": {", "\"c\\\"key\": {"}) {
    INFO(key);
    size_t at = text.find(key);
    REQUIRE(at != std::string::npos);
    CHECK(at > last);
    last = at;
  }
}

TEST_CASE("state JSON: defaults omitted, empty objects, unnamed enum values") {
  AllocationState state;
  CHECK(OurText(state) == ProtobufText(state));  // "{}"
  state.set_api_version(kStateApiVersion);
  CHECK(OurText(state) == ProtobufText(state));
  (*state.mutable_claims())[""];  // a claim with every field at its default: {}
  CHECK(OurText(state) == ProtobufText(state));
  state.mutable_claims()->clear();
  (*state.mutable_claims())["m"].set_phase(static_cast<ClaimAllocation::Phase>(7));
  (*state.mutable_claims())["m"].add_devices("");
  CHECK(OurText(state) == ProtobufText(state));
  CHECK(OurText(state).find("\"phase\": 7") != std::string::npos);
}

TEST_CASE("state JSON: every ASCII character escaped as protobuf escapes it") {
  std::string all;
  for (int c = 1; c < 128; ++c) all.push_back(static_cast<char>(c));
  AllocationState state;
  state.set_node_name(all);
  (*state.mutable_claims())[all].add_pod_uids(all);
  CHECK(OurText(state) == ProtobufText(state));
  CHECK(google::protobuf::util::MessageDifferencer::Equals(Parse(OurText(state)), state));
}

TEST_CASE("state JSON: random UTF-8 strings parse back to the same state") {
  std::mt19937 rng(20261127);
  // Code points from every UTF-8 length, including the ones protobuf escapes (U+2028).
  const char32_t samples[] = {U'a',   U'"',   U'\\',  0x01,    0x7f,    0xe9,     0x2028,
                              0x2029, 0xfeff, 0xffff, 0x10000, 0x1f600, 0x10ffff, U'<'};
  auto random_string = [&] {
    std::string s;
    for (int n = rng() % 12; n > 0; --n) {
      char32_t cp = samples[rng() % std::size(samples)];
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
      } else if (cp < 0x10000) {
        s += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
              static_cast<char>(0x80 | (cp & 0x3F))};
      } else {
        s += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
              static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
      }
    }
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    AllocationState state;
    state.set_api_version(random_string());
    state.set_boot_id(random_string());
    for (int i = rng() % 4; i > 0; --i) {
      ClaimAllocation& claim = (*state.mutable_claims())[random_string()];
      claim.set_name(random_string());
      claim.add_devices(random_string());
    }
    INFO("round " << round);
    REQUIRE(google::protobuf::util::MessageDifferencer::Equals(Parse(OurText(state)), state));
  }
}

TEST_CASE("state JSON: a string that is not UTF-8 is refused, naming the field") {
  for (const std::string bad :
       {"\xff", "\xc3", "\xc0\xaf" /* overlong */, "\xed\xa0\x80" /* surrogate */,
        "\xf4\x90\x80\x80" /* > 10FFFF */}) {
    AllocationState state;
    state.set_api_version(kStateApiVersion);
    (*state.mutable_claims())["u"].add_pod_uids("pod" + bad);
    StatusOr<std::string> json = StateJsonWithoutClose(state);
    REQUIRE_FALSE(json.ok());
    CHECK(json.status().code() == Status::Code::kInvalidArgument);
    CHECK(json.status().message().find("podUids") != std::string::npos);
    CHECK_FALSE(EncodeState(state).ok());
  }
}

}  // namespace
}  // namespace dracpu
