#include "e2e/node/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>

namespace dracpu::e2e {
namespace {

using web::json::value;

bool IsDigits(const std::string& s, size_t from, int base) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); ++i) {
    char c = s[i];
    bool ok = base == 16  ? std::isxdigit(static_cast<unsigned char>(c)) != 0
              : base == 8 ? (c >= '0' && c <= '7')
                          : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsFloat(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    return IsDigits(s, i, 10);
  }
  return i == s.size();
}

// The core schema's integer forms; false when `s` is not one (or does not fit in 64 bits in
// hex/octal, which then stays a string).
bool ParseInteger(const std::string& s, value* out) {
  size_t digits_from = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (IsDigits(s, digits_from, 10)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) {
      *out = value::number(static_cast<int64_t>(v));
      return true;
    }
    errno = 0;
    unsigned long long u = s[0] == '-' ? 0 : std::strtoull(s.c_str(), nullptr, 10);
    if (s[0] != '-' && errno == 0) {
      *out = value::number(static_cast<uint64_t>(u));
      return true;
    }
    *out = value::number(std::strtod(s.c_str(), nullptr));
    return true;
  }
  int base = s.rfind("0x", 0) == 0 ? 16 : s.rfind("0o", 0) == 0 ? 8 : 0;
  if (base == 0 || !IsDigits(s, 2, base)) return false;
  errno = 0;
  unsigned long long u = std::strtoull(s.c_str() + 2, nullptr, base);
  if (errno != 0) return false;
  *out = value::number(static_cast<uint64_t>(u));
  return true;
}

value ResolvePlainScalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return value::boolean(true);
  if (s == "false" || s == "False" || s == "FALSE") return value::boolean(false);
  // yaml-cpp already reports plain null spellings as Null nodes; this catches what is left.
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return value::null();
  value number;
  if (ParseInteger(s, &number)) return number;
  if (IsFloat(s)) return value::number(std::strtod(s.c_str(), nullptr));
  return value::string(s);
}

class Converter {
 public:
  Status Convert(const YAML::Node& node, int depth, value* out) {
    if (++count_ > kMaxYamlNodes) {
      return Status::InvalidArgument("document expands to more than " +
                                     std::to_string(kMaxYamlNodes) + " values");
    }
    if (depth > kMaxYamlDepth) {
      return Status::InvalidArgument("document nests deeper than " + std::to_string(kMaxYamlDepth) +
                                     " levels");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null: *out = value::null(); return Status::OK();
      case YAML::NodeType::Scalar:
        // yaml-cpp tags plain scalars "?" and quoted/block ones "!".
        *out = node.Tag() == "?" ? ResolvePlainScalar(node.Scalar()) : value::string(node.Scalar());
        return Status::OK();
      case YAML::NodeType::Sequence: {
        *out = value::array(node.size());
        size_t i = 0;
        for (const YAML::Node& item : node) {
          DRACPU_RETURN_IF_ERROR(Convert(item, depth + 1, &(*out)[i++]));
        }
        return Status::OK();
      }
      case YAML::NodeType::Map: {
        *out = value::object(/*keep_order=*/true);
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            return Status::InvalidArgument(LineOf(kv.first) + "map key is not a scalar");
          }
          const std::string& key = kv.first.Scalar();
          if (out->has_field(key)) {
            return Status::InvalidArgument(LineOf(kv.first) + "duplicate key \"" + key + "\"");
          }
          DRACPU_RETURN_IF_ERROR(Convert(kv.second, depth + 1, &(*out)[key]));
        }
        return Status::OK();
      }
    }
    return Status::Internal("unknown YAML node type");
  }

 private:
  static std::string LineOf(const YAML::Node& node) {
    YAML::Mark mark = node.Mark();
    return mark.is_null() ? "" : "line " + std::to_string(mark.line + 1) + ": ";
  }

  size_t count_ = 0;
};

}  // namespace

StatusOr<std::vector<web::json::value>> YamlDocumentsToJson(const std::string& yaml_text) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("malformed YAML: ") + e.what());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot read YAML: ") + e.what());
  }
  std::vector<value> docs;
  try {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].IsNull()) continue;
      value doc;
      Converter converter;
      Status s = converter.Convert(nodes[i], 0, &doc);
      if (!s.ok()) return s.Annotate("YAML document " + std::to_string(i + 1));
      docs.push_back(std::move(doc));
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot convert YAML: ") + e.what());
  }
  return docs;
}

}  // namespace dracpu::e2e
