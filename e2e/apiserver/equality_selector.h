// The CEL subset the stand-in scheduler understands: `&&`-joined equalities on the device's
// driver or attributes, e.g.
//   device.driver == "dra.cpu" && device.attributes["resource.kubernetes.io"].numaNode == 1
// Anything else is refused (InvalidArgument) rather than guessed at.

#ifndef DRACPU_E2E_APISERVER_EQUALITY_SELECTOR_H_
#define DRACPU_E2E_APISERVER_EQUALITY_SELECTOR_H_

#include <cpprest/json.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

class EqualitySelector {
 public:
  static StatusOr<EqualitySelector> Parse(const std::string& expression);

  // `attributes` is the device's attribute map with fully qualified keys.
  bool Matches(const std::string& driver, const web::json::value& attributes) const;

 private:
  struct Term {
    std::string attribute;  // "" = device.driver
    web::json::value value;
  };
  std::vector<Term> terms_;
};

// The value of a DeviceAttribute ({"int": 3} -> 3, {"string": "x"} -> "x", ...).
web::json::value AttributeValue(const web::json::value& attribute);

// JSON equality that treats 3 and 3 equal whatever integer representation the parser chose.
bool SameValue(const web::json::value& a, const web::json::value& b);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_APISERVER_EQUALITY_SELECTOR_H_
