#include "driver/core/cpu_quantity.h"

#include <cctype>
#include <string>

#include "common/cpuset.h"

namespace dracpu {

namespace {

struct Suffix {
  std::string_view text;
  int exp10;
  int exp2;
};

constexpr Suffix kSuffixes[] = {
    {"", 0, 0},    {"n", -9, 0},  {"u", -6, 0},  {"m", -3, 0},  {"k", 3, 0},   {"M", 6, 0},
    {"G", 9, 0},   {"T", 12, 0},  {"P", 15, 0},  {"E", 18, 0},  {"Ki", 0, 10}, {"Mi", 0, 20},
    {"Gi", 0, 30}, {"Ti", 0, 40}, {"Pi", 0, 50}, {"Ei", 0, 60},
};

// A limit far below int64 overflow in any intermediate step.
constexpr __int128 kLimit = CpuSet::kCapacity;

Status Bad(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("dra.cpu/cpu quantity \"" + std::string(text) + "\": " + why);
}

}  // namespace

StatusOr<int64_t> ParseWholeCpuQuantity(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  std::string digits;  // integer and fraction digits, without the point
  int exp10 = 0;
  bool seen_point = false, seen_digit = false;
  while (!rest.empty() && (std::isdigit(static_cast<unsigned char>(rest[0])) || rest[0] == '.')) {
    if (rest[0] == '.') {
      if (seen_point) return Bad(text, "two decimal points");
      seen_point = true;
    } else {
      seen_digit = true;
      digits.push_back(rest[0]);
      if (seen_point) --exp10;
    }
    rest.remove_prefix(1);
  }
  if (!seen_digit) return Bad(text, "not a number");

  int exp2 = 0;
  bool matched = false;
  for (const Suffix& s : kSuffixes) {
    if (rest == s.text) {
      exp10 += s.exp10;
      exp2 = s.exp2;
      matched = true;
      break;
    }
  }
  if (!matched) {
    // A decimal exponent: e or E, optional sign, at least one digit.
    std::string_view e = rest;
    if (e.size() < 2 || (e[0] != 'e' && e[0] != 'E')) return Bad(text, "unknown suffix");
    e.remove_prefix(1);
    bool neg_exp = false;
    if (e[0] == '+' || e[0] == '-') {
      neg_exp = e[0] == '-';
      e.remove_prefix(1);
    }
    if (e.empty() || e.size() > 4) return Bad(text, "bad exponent");
    int n = 0;
    for (char c : e) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return Bad(text, "bad exponent");
      n = n * 10 + (c - '0');
    }
    exp10 += neg_exp ? -n : n;
  }

  // Normalise: drop leading zeros, move trailing zeros into the exponent.
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return int64_t{0};  // "0", "-0", "0.000m"
  digits.erase(0, first);
  while (digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (negative) return Bad(text, "negative CPU count");
  // More significant digits than a CPU count can have, or far too many zeros: too large or a
  // fraction either way; decide which for the message.
  if (static_cast<int>(digits.size()) + exp10 > 12) return Bad(text, "too many CPUs");
  if (digits.size() > 18 || exp10 < -38) return Bad(text, "not a whole number of CPUs");

  __int128 value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  for (int i = 0; i < exp2; ++i) {
    value *= 2;
    if (value > kLimit * 1000000000000000000LL) return Bad(text, "too many CPUs");
  }
  if (exp10 >= 0) {
    for (int i = 0; i < exp10; ++i) value *= 10;
  } else {
    __int128 divisor = 1;
    for (int i = 0; i < -exp10; ++i) divisor *= 10;
    if (value % divisor != 0) {
      return Bad(text, "not a whole number of CPUs; dra.cpu allocates whole CPUs only");
    }
    value /= divisor;
  }
  if (value > kLimit) return Bad(text, "too many CPUs");
  return static_cast<int64_t>(value);
}

StatusOr<int64_t> ParseWholeCpuQuantity(const web::json::value& value) {
  if (value.is_string()) return ParseWholeCpuQuantity(std::string_view(value.as_string()));
  if (value.is_number()) {
    const web::json::number& n = value.as_number();
    if (!n.is_integral()) return Bad(value.serialize(), "not a whole number of CPUs");
    if (!n.is_int64()) return Bad(value.serialize(), "too many CPUs");
    int64_t v = n.to_int64();
    if (v < 0) return Bad(value.serialize(), "negative CPU count");
    if (v > kLimit) return Bad(value.serialize(), "too many CPUs");
    return v;
  }
  return Status::InvalidArgument("dra.cpu/cpu quantity is neither a string nor a number");
}

}  // namespace dracpu
