#include "e2e/apiserver/equality_selector.h"

#include <cctype>
#include <regex>

namespace dracpu::standin {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

StatusOr<web::json::value> ParseLiteral(const std::string& text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return web::json::value::string(text.substr(1, text.size() - 2));
  }
  if (text == "true" || text == "false") return web::json::value::boolean(text == "true");
  static const std::regex kInt("-?[0-9]+");
  if (std::regex_match(text, kInt)) return web::json::value::number(int64_t{std::stoll(text)});
  return Status::InvalidArgument("literal " + text + " is not a string, int or bool");
}

}  // namespace

bool SameValue(const web::json::value& a, const web::json::value& b) {
  if (a.is_number() && b.is_number()) {
    const auto& x = a.as_number();
    const auto& y = b.as_number();
    if (x.is_integral() && y.is_integral()) return x.to_int64() == y.to_int64();
    return x.to_double() == y.to_double();
  }
  return a == b;
}

web::json::value AttributeValue(const web::json::value& attribute) {
  if (!attribute.is_object()) return web::json::value::null();
  for (const char* key : {"int", "bool", "string", "version"}) {
    if (attribute.has_field(key)) return attribute.at(key);
  }
  return web::json::value::null();
}

StatusOr<EqualitySelector> EqualitySelector::Parse(const std::string& expression) {
  static const std::regex kAttr(R"re(device\.attributes\["([^"]+)"\]\.([A-Za-z_][A-Za-z0-9_]*))re");
  EqualitySelector sel;
  size_t pos = 0;
  while (pos <= expression.size()) {
    size_t amp = expression.find("&&", pos);
    const std::string term =
        Trim(expression.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos));
    pos = amp == std::string::npos ? expression.size() + 1 : amp + 2;
    const size_t eq = term.find("==");
    if (eq == std::string::npos) {
      return Status::InvalidArgument("selector \"" + expression +
                                     "\": the stand-in scheduler supports only `a == b` terms");
    }
    const std::string lhs = Trim(term.substr(0, eq));
    auto literal = ParseLiteral(Trim(term.substr(eq + 2)));
    if (!literal.ok()) return literal.status().Annotate("selector \"" + expression + "\"");
    Term t{"", *literal};
    std::smatch m;
    if (lhs == "device.driver") {
      if (!t.value.is_string())
        return Status::InvalidArgument("device.driver compared to non-string");
    } else if (std::regex_match(lhs, m, kAttr)) {
      t.attribute = m[1].str() + "/" + m[2].str();
    } else {
      return Status::InvalidArgument("selector \"" + expression + "\": unsupported operand " + lhs);
    }
    sel.terms_.push_back(std::move(t));
  }
  return sel;
}

bool EqualitySelector::Matches(const std::string& driver,
                               const web::json::value& attributes) const {
  for (const auto& t : terms_) {
    if (t.attribute.empty()) {
      if (t.value.as_string() != driver) return false;
      continue;
    }
    if (!attributes.is_object() || !attributes.has_field(t.attribute)) return false;
    if (!SameValue(AttributeValue(attributes.at(t.attribute)), t.value)) return false;
  }
  return true;
}

}  // namespace dracpu::standin
