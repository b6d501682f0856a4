#include "common/cpuset.h"

#include <cstdint>

namespace dracpu {
namespace {

// Strips the one trailing newline the kernel appends; anything else is the caller's problem.
std::string_view StripOneNewline(std::string_view s) {
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}

Status ListError(std::string_view input, const std::string& why) {
  return Status::InvalidArgument("cpulist \"" + std::string(input) + "\": " + why);
}

// Parses a decimal CPU id from the whole of `s`.
bool ParseId(std::string_view s, int* out) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

CpuSet::CpuSet(std::initializer_list<int> cpus) {
  for (int c : cpus) Add(c);
}

CpuSet CpuSet::Range(int first, int last) {
  CpuSet s;
  for (int c = first; c <= last; ++c) s.Add(c);
  return s;
}

CpuSet CpuSet::FromVector(const std::vector<int>& cpus) {
  CpuSet s;
  for (int c : cpus) s.Add(c);
  return s;
}

StatusOr<CpuSet> CpuSet::Parse(std::string_view input) {
  std::string_view s = StripOneNewline(input);
  CpuSet set;
  if (s.empty()) return set;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string_view item = s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos);
    if (item.empty()) return ListError(input, "empty element");
    size_t dash = item.find('-');
    int first = 0, last = 0;
    if (dash == std::string_view::npos) {
      if (!ParseId(item, &first)) return ListError(input, "bad CPU id \"" + std::string(item) + "\"");
      last = first;
    } else {
      if (!ParseId(item.substr(0, dash), &first) || !ParseId(item.substr(dash + 1), &last)) {
        return ListError(input, "bad range \"" + std::string(item) + "\"");
      }
      if (last < first) return ListError(input, "range end below start in \"" + std::string(item) + "\"");
    }
    if (last > kMaxCpuId) {
      return ListError(input, "CPU id " + std::to_string(last) + " above the maximum " +
                                  std::to_string(kMaxCpuId));
    }
    for (int c = first; c <= last; ++c) set.bits_.set(c);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
    if (pos == s.size()) return ListError(input, "trailing comma");
  }
  return set;
}

StatusOr<CpuSet> CpuSet::ParseMask(std::string_view input) {
  std::string_view s = StripOneNewline(input);
  auto error = [&](const std::string& why) {
    return Status::InvalidArgument("cpumask \"" + std::string(input) + "\": " + why);
  };
  if (s.empty()) return error("empty mask");
  // Words are separated by commas, most significant first; the last word is bits 0-31.
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (true) {
    size_t comma = s.find(',', pos);
    std::string_view w = s.substr(pos, comma == std::string_view::npos ? s.npos : comma - pos);
    if (w.empty() || w.size() > 8) return error("each word needs 1 to 8 hex digits");
    words.push_back(w);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  CpuSet set;
  int word_index = 0;
  for (auto it = words.rbegin(); it != words.rend(); ++it, ++word_index) {
    uint32_t value = 0;
    for (char c : *it) {
      int d = HexDigit(c);
      if (d < 0) return error(std::string("bad hex digit '") + c + "'");
      value = (value << 4) | static_cast<uint32_t>(d);
    }
    for (int bit = 0; bit < 32; ++bit) {
      if (!(value & (1u << bit))) continue;
      int cpu = word_index * 32 + bit;
      if (cpu > kMaxCpuId) return error("CPU id above the maximum " + std::to_string(kMaxCpuId));
      set.bits_.set(cpu);
    }
  }
  return set;
}

std::string CpuSet::ToString() const {
  std::string out;
  size_t c = bits_._Find_first();
  while (c < kCapacity) {
    size_t end = c;
    while (end + 1 < kCapacity && bits_.test(end + 1)) ++end;
    if (!out.empty()) out += ',';
    out += std::to_string(c);
    if (end > c) {
      out += '-';
      out += std::to_string(end);
    }
    c = bits_._Find_next(end);
  }
  return out;
}

std::string CpuSet::ToMask() const {
  int highest = -1;
  for (int c : *this) highest = c;
  int nwords = highest < 0 ? 1 : highest / 32 + 1;
  std::string out;
  static const char kHex[] = "0123456789abcdef";
  for (int w = nwords - 1; w >= 0; --w) {
    uint32_t value = 0;
    for (int bit = 0; bit < 32; ++bit) {
      if (bits_.test(w * 32 + bit)) value |= 1u << bit;
    }
    for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
    if (w > 0) out += ',';
  }
  return out;
}

int CpuSet::First() const {
  size_t c = bits_._Find_first();
  return c < kCapacity ? static_cast<int>(c) : -1;
}

bool CpuSet::operator<(const CpuSet& o) const {
  std::bitset<kCapacity> diff = bits_ ^ o.bits_;
  size_t c = diff._Find_first();
  if (c >= kCapacity) return false;
  // The set holding the lowest differing id sorts first, as "0" < "1" would in list form.
  return bits_.test(c);
}

std::vector<int> CpuSet::ToVector() const {
  std::vector<int> out;
  out.reserve(Size());
  for (int c : *this) out.push_back(c);
  return out;
}

}  // namespace dracpu
