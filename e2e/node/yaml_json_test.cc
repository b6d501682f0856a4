#include "e2e/node/yaml_json.h"

#include <catch2/catch.hpp>

namespace dracpu::e2e {
namespace {

using web::json::value;

value OneDoc(const std::string& text) {
  auto docs = YamlDocumentsToJson(text);
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

TEST_CASE("plain scalars resolve by the core schema, quoted ones stay strings", "[yaml_json]") {
  value v = OneDoc(R"(
count: 4
negative: -12
big: 18446744073709551615
hex: 0x1f
octal: 0o17
ratio: 2.5
exp: 1e3
quoted_int: "6"
single_quoted: '7'
yes_word: yes
on_word: on
t: true
f: False
n: null
tilde: ~
empty:
quoted_null: "null"
quoted_true: "true"
version: 1.2.3
folded: >-
  a
  b
)");
  CHECK(v.at("count").is_integer());
  CHECK(v.at("count").as_integer() == 4);
  CHECK(v.at("negative").as_integer() == -12);
  CHECK(v.at("big").as_number().to_uint64() == 18446744073709551615ull);
  CHECK(v.at("hex").as_integer() == 31);
  CHECK(v.at("octal").as_integer() == 15);
  CHECK(v.at("ratio").as_double() == Approx(2.5));
  CHECK(v.at("exp").as_double() == Approx(1000.0));
  CHECK(v.at("quoted_int").is_string());
  CHECK(v.at("quoted_int").as_string() == "6");
  CHECK(v.at("single_quoted").as_string() == "7");
  CHECK(v.at("yes_word").as_string() == "yes");
  CHECK(v.at("on_word").as_string() == "on");
  CHECK(v.at("t").as_bool() == true);
  CHECK(v.at("f").as_bool() == false);
  CHECK(v.at("n").is_null());
  CHECK(v.at("tilde").is_null());
  CHECK(v.at("empty").is_null());
  CHECK(v.at("quoted_null").as_string() == "null");
  CHECK(v.at("quoted_true").as_string() == "true");
  CHECK(v.at("version").as_string() == "1.2.3");
  CHECK(v.at("folded").as_string() == "a b");
}

TEST_CASE("maps and sequences keep their structure and order", "[yaml_json]") {
  value v = OneDoc("z: [1, \"2\", {a: b}]\na:\n  - x: 1\n    y: [true]\n");
  REQUIRE(v.at("z").is_array());
  REQUIRE(v.at("z").size() == 3);
  CHECK(v.at("z").at(0).as_integer() == 1);
  CHECK(v.at("z").at(1).as_string() == "2");
  CHECK(v.at("z").at(2).at("a").as_string() == "b");
  CHECK(v.at("a").at(0).at("y").at(0).as_bool());
  // keep_order: the file's order, not sorted.
  CHECK(v.as_object().begin()->first == "z");
  CHECK(v.serialize() == R"({"z":[1,"2",{"a":"b"}],"a":[{"x":1,"y":[true]}]})");
}

TEST_CASE("multi-document streams drop empty documents", "[yaml_json]") {
  auto docs = YamlDocumentsToJson("---\n# only a comment\n---\na: 1\n---\n---\nb: 2\n");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 2);
  CHECK((*docs)[0].at("a").as_integer() == 1);
  CHECK((*docs)[1].at("b").as_integer() == 2);
  auto none = YamlDocumentsToJson("");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("bad YAML is an error, never an exception", "[yaml_json]") {
  for (const char* text :
       {"a: [1, 2\n", "a: b: c\n", "a: \"x\" y\n", "a: *nosuch\n", "{a: 1}: x\n", "a: 1\na: 2\n"}) {
    INFO(text);
    auto docs = YamlDocumentsToJson(text);
    CHECK_FALSE(docs.ok());
    CHECK(docs.status().IsInvalidArgument());
  }
  auto dup = YamlDocumentsToJson("a: 1\nb: 2\na: 3\n");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.status().message().find("duplicate key \"a\"") != std::string::npos);
}

TEST_CASE("alias bombs and deep nesting are refused", "[yaml_json]") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 0; j < 9; ++j) bomb += ", " + prev;
    bomb += "]\n";
  }
  auto docs = YamlDocumentsToJson(bomb);
  REQUIRE_FALSE(docs.ok());
  CHECK(docs.status().message().find("more than") != std::string::npos);

  std::string deep(kMaxYamlDepth + 10, '[');
  deep += std::string(kMaxYamlDepth + 10, ']');
  auto nested = YamlDocumentsToJson(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.status().IsInvalidArgument());

  // Small aliases still expand.
  value v = OneDoc("base: &b {cpus: 2}\ncopy: *b\n");
  CHECK(v.at("copy").at("cpus").as_integer() == 2);
}

}  // namespace
}  // namespace dracpu::e2e
