#include "driver/core/json_util.h"

#include <system_error>

namespace dracpu {

namespace {

bool NumbersEqual(const web::json::number& a, const web::json::number& b) {
  if (a.is_integral() && b.is_integral()) {
    if (a.is_int64() && b.is_int64()) return a.to_int64() == b.to_int64();
    if (a.is_uint64() && b.is_uint64()) return a.to_uint64() == b.to_uint64();
    return false;  // one negative, the other beyond int64
  }
  return a.to_double() == b.to_double();
}

}  // namespace

bool JsonEqual(const web::json::value& a, const web::json::value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case web::json::value::Null: return true;
    case web::json::value::Boolean: return a.as_bool() == b.as_bool();
    case web::json::value::String: return a.as_string() == b.as_string();
    case web::json::value::Number: return NumbersEqual(a.as_number(), b.as_number());
    case web::json::value::Array: {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!JsonEqual(a.at(i), b.at(i))) return false;
      }
      return true;
    }
    case web::json::value::Object: {
      const web::json::object& ao = a.as_object();
      const web::json::object& bo = b.as_object();
      if (ao.size() != bo.size()) return false;
      for (const auto& [key, field] : ao) {
        auto it = bo.find(key);
        if (it == bo.end() || !JsonEqual(field, it->second)) return false;
      }
      return true;
    }
  }
  return false;
}

const web::json::value* JsonField(const web::json::value& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const web::json::object& o = object.as_object();
  auto it = o.find(std::string(key));
  return it == o.end() ? nullptr : &it->second;
}

const web::json::value* JsonPath(const web::json::value& object,
                                 std::initializer_list<std::string_view> keys) {
  const web::json::value* v = &object;
  for (std::string_view key : keys) {
    v = JsonField(*v, key);
    if (v == nullptr) return nullptr;
  }
  return v;
}

std::optional<std::string> JsonString(const web::json::value& object, std::string_view key) {
  const web::json::value* v = JsonField(object, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->as_string();
}

std::optional<int64_t> JsonInt(const web::json::value& object, std::string_view key) {
  const web::json::value* v = JsonField(object, key);
  if (v == nullptr || !v->is_number() || !v->as_number().is_int64()) return std::nullopt;
  return v->as_number().to_int64();
}

StatusOr<web::json::value> ParseJson(std::string_view text, std::string_view what) {
  std::error_code ec;
  web::json::value v = web::json::value::parse(std::string(text), ec);
  if (ec) {
    return Status::Corruption(std::string(what) + ": not valid JSON (" + ec.message() + ")");
  }
  return v;
}

}  // namespace dracpu
