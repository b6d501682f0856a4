// Small helpers over cpprestsdk's web::json for reading API objects without exceptions.
//
// cpprestsdk throws json_exception from at()/as_*() on a type mismatch; these helpers check
// first, so code reading objects from the network never throws. JsonEqual compares by meaning:
// object key order is ignored and numbers compare by value, because a number the driver built
// (signed) and the same number parsed from the server (unsigned) differ in web::json's own ==.

#ifndef DRACPU_DRIVER_CORE_JSON_UTIL_H_
#define DRACPU_DRIVER_CORE_JSON_UTIL_H_

#include <cpprest/json.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dracpu {

bool JsonEqual(const web::json::value& a, const web::json::value& b);

// The member `key` of `object`, or nullptr when `object` is not an object or lacks the key.
const web::json::value* JsonField(const web::json::value& object, std::string_view key);
// Follows a path of keys ("status", "allocation", ...); nullptr when any step is missing.
const web::json::value* JsonPath(const web::json::value& object,
                                 std::initializer_list<std::string_view> keys);
// The string at `key`, or nullopt when absent or not a string.
std::optional<std::string> JsonString(const web::json::value& object, std::string_view key);
// The integer at `key`, or nullopt when absent or not an integer that fits int64.
std::optional<int64_t> JsonInt(const web::json::value& object, std::string_view key);

// Parses JSON text; Corruption (naming `what`) instead of an exception on bad input.
StatusOr<web::json::value> ParseJson(std::string_view text, std::string_view what);

}  // namespace dracpu

#endif  // DRACPU_DRIVER_CORE_JSON_UTIL_H_
