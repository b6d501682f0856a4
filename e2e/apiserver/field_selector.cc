#include "e2e/apiserver/field_selector.h"

#include <sstream>

namespace dracpu::standin {

std::string FieldText(const web::json::value& object, const std::vector<std::string>& path) {
  const web::json::value* cur = &object;
  for (const auto& key : path) {
    if (!cur->is_object() || !cur->has_field(key)) return "";
    cur = &cur->at(key);
  }
  if (cur->is_string()) return cur->as_string();
  if (cur->is_boolean()) return cur->as_bool() ? "true" : "false";
  if (cur->is_number()) return cur->serialize();
  return "";
}

StatusOr<FieldSelectorMatcher> FieldSelectorMatcher::Parse(const std::string& text) {
  FieldSelectorMatcher m;
  std::stringstream in(text);
  std::string term;
  while (std::getline(in, term, ',')) {
    if (term.empty()) continue;
    Term t;
    size_t eq = term.find("!=");
    size_t skip = 2;
    t.negate = eq != std::string::npos;
    if (!t.negate) {
      eq = term.find("==");
      if (eq == std::string::npos) {
        eq = term.find('=');
        skip = 1;
      }
    }
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("fieldSelector term \"" + term + "\" has no key=value");
    }
    std::stringstream key(term.substr(0, eq));
    std::string part;
    while (std::getline(key, part, '.')) t.path.push_back(part);
    t.value = term.substr(eq + skip);
    m.terms_.push_back(std::move(t));
  }
  return m;
}

bool FieldSelectorMatcher::Matches(const web::json::value& object) const {
  for (const auto& t : terms_) {
    if ((FieldText(object, t.path) == t.value) == t.negate) return false;
  }
  return true;
}

}  // namespace dracpu::standin
