// fieldSelector evaluation for the API server stand-in: "k=v", "k==v", "k!=v", comma = AND.
// Keys are dotted JSON paths (spec.nodeName, spec.driver, metadata.name); an absent field reads
// as "" so "spec.nodeName=" selects objects without a node, as in Kubernetes.

#ifndef DRACPU_E2E_APISERVER_FIELD_SELECTOR_H_
#define DRACPU_E2E_APISERVER_FIELD_SELECTOR_H_

#include <cpprest/json.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

class FieldSelectorMatcher {
 public:
  // "" matches everything. Malformed terms (no '=') are InvalidArgument.
  static StatusOr<FieldSelectorMatcher> Parse(const std::string& text);
  bool Matches(const web::json::value& object) const;

 private:
  struct Term {
    std::vector<std::string> path;
    bool negate;
    std::string value;
  };
  std::vector<Term> terms_;
};

// The scalar at a dotted path rendered as text ("" when absent; ints and bools stringified).
std::string FieldText(const web::json::value& object, const std::vector<std::string>& path);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_FIELD_SELECTOR_H_
