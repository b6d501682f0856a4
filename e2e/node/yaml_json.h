// YAML text -> JSON values, the way kubectl reads manifests before sending them as JSON.
//
// Kubernetes files are YAML but every object travels as JSON, so types matter: an unquoted
// `count: 4` is the number 4 while a quoted `dra.cpu/cpu: "6"` is the string "6" (a quantity).
// Plain (unquoted) scalars resolve by the YAML 1.2 core schema:
//   null | Null | NULL | ~ | (empty)           -> null
//   true | True | TRUE | false | False | FALSE -> bool
//   [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+      -> integer number (beyond 64 bits: double)
//   [-+]?(.5 | 5 | 5.)([eE][-+]?[0-9]+)?       -> floating number
//   anything else (yes/no/on/off included)     -> string
// Quoted, block (| >) and explicitly tagged scalars stay strings. Map keys must be scalars and
// unique within their map. Anchors and aliases expand; a document that expands past
// kMaxYamlNodes values or nests past kMaxYamlDepth is refused rather than exhausting memory.
//
// Pure: no I/O. Never throws; yaml-cpp's exceptions become InvalidArgument.

#ifndef DRACPU_E2E_NODE_YAML_JSON_H_
#define DRACPU_E2E_NODE_YAML_JSON_H_

#include <cpprest/json.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::e2e {

inline constexpr size_t kMaxYamlNodes = 1 << 20;
inline constexpr int kMaxYamlDepth = 128;

// Every document of a multi-document stream ("---" separated), in order. Empty documents (a
// leading "---", a comment-only file) are dropped. Object fields keep the file's order.
StatusOr<std::vector<web::json::value>> YamlDocumentsToJson(const std::string& yaml_text);

}  // namespace dracpu::e2e

#endif  // DRACPU_E2E_NODE_YAML_JSON_H_
