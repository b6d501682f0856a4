#include "common/cpuset.h"

#include <algorithm>
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
  s.AddRange(first, last);
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
      if (!ParseId(item, &first))
        return ListError(input, "bad CPU id \"" + std::string(item) + "\"");
      last = first;
    } else {
      if (!ParseId(item.substr(0, dash), &first) || !ParseId(item.substr(dash + 1), &last)) {
        return ListError(input, "bad range \"" + std::string(item) + "\"");
      }
      if (last < first)
        return ListError(input, "range end below start in \"" + std::string(item) + "\"");
    }
    if (last > kMaxCpuId) {
      return ListError(input, "CPU id " + std::to_string(last) + " above the maximum " +
                                  std::to_string(kMaxCpuId));
    }
    set.AddRange(first, last);
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
      set.Add(cpu);
    }
  }
  return set;
}

void CpuSet::Add(int cpu) {
  if (cpu < 0 || cpu > kMaxCpuId) return;
  size_t w = static_cast<size_t>(cpu) / 64;
  if (w >= words_.size()) words_.resize(w + 1, 0);
  words_[w] |= uint64_t{1} << (cpu % 64);
}

void CpuSet::AddRange(int first, int last) {
  first = std::max(first, 0);
  last = std::min(last, kMaxCpuId);
  if (last < first) return;
  size_t need = static_cast<size_t>(last) / 64 + 1;
  if (need > words_.size()) words_.resize(need, 0);
  for (int w = first / 64; w <= last / 64; ++w) {
    int lo = std::max(first, w * 64) - w * 64;
    int hi = std::min(last, w * 64 + 63) - w * 64;
    uint64_t mask =
        (hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1) & (~uint64_t{0} << lo);
    words_[w] |= mask;
  }
}

int CpuSet::NextAbsent(int from) const {
  size_t w = static_cast<size_t>(from) / 64;
  if (w >= words_.size()) return from;
  uint64_t holes = ~words_[w] & (~uint64_t{0} << (from % 64));
  while (holes == 0) {
    if (++w >= words_.size()) return static_cast<int>(w * 64);
    holes = ~words_[w];
  }
  return static_cast<int>(w * 64 + __builtin_ctzll(holes));
}

void CpuSet::Remove(int cpu) {
  if (!Contains(cpu)) return;
  words_[cpu / 64] &= ~(uint64_t{1} << (cpu % 64));
  Trim();
}

void CpuSet::Trim() {
  while (!words_.empty() && words_.back() == 0) words_.pop_back();
}

int CpuSet::Size() const {
  int n = 0;
  for (uint64_t w : words_) n += __builtin_popcountll(w);
  return n;
}

int CpuSet::Next(int from) const {
  if (from < 0) from = 0;
  size_t w = static_cast<size_t>(from) / 64;
  if (w >= words_.size()) return -1;
  uint64_t bits = words_[w] & (~uint64_t{0} << (from % 64));
  while (true) {
    if (bits != 0) return static_cast<int>(w * 64 + __builtin_ctzll(bits));
    if (++w >= words_.size()) return -1;
    bits = words_[w];
  }
}

CpuSet CpuSet::Union(const CpuSet& o) const {
  CpuSet r = *this;
  r |= o;
  return r;
}

CpuSet& CpuSet::operator|=(const CpuSet& o) {
  if (o.words_.size() > words_.size()) words_.resize(o.words_.size(), 0);
  for (size_t i = 0; i < o.words_.size(); ++i) words_[i] |= o.words_[i];
  return *this;
}

CpuSet CpuSet::Intersection(const CpuSet& o) const {
  CpuSet r;
  r.words_.resize(std::min(words_.size(), o.words_.size()));
  for (size_t i = 0; i < r.words_.size(); ++i) r.words_[i] = words_[i] & o.words_[i];
  r.Trim();
  return r;
}

CpuSet CpuSet::Difference(const CpuSet& o) const {
  CpuSet r = *this;
  r -= o;
  return r;
}

CpuSet& CpuSet::operator-=(const CpuSet& o) {
  size_t n = std::min(words_.size(), o.words_.size());
  for (size_t i = 0; i < n; ++i) words_[i] &= ~o.words_[i];
  Trim();
  return *this;
}

bool CpuSet::IsSubsetOf(const CpuSet& o) const {
  if (words_.size() > o.words_.size()) return false;  // trimmed: our top word is non-zero
  for (size_t i = 0; i < words_.size(); ++i) {
    if (words_[i] & ~o.words_[i]) return false;
  }
  return true;
}

bool CpuSet::Intersects(const CpuSet& o) const {
  size_t n = std::min(words_.size(), o.words_.size());
  for (size_t i = 0; i < n; ++i) {
    if (words_[i] & o.words_[i]) return true;
  }
  return false;
}

std::string CpuSet::ToString() const {
  std::string out;
  // Whole runs at a time: a word scan for the next member, then for the next non-member.
  for (int c = First(); c >= 0;) {
    int end = NextAbsent(c) - 1;
    if (!out.empty()) out += ',';
    out += std::to_string(c);
    if (end > c) {
      out += '-';
      out += std::to_string(end);
    }
    c = Next(end + 1);
  }
  return out;
}

std::string CpuSet::ToMask() const {
  size_t nwords32 =
      words_.empty() ? 1 : (words_.size() * 64 - __builtin_clzll(words_.back()) + 31) / 32;
  std::string out;
  static const char kHex[] = "0123456789abcdef";
  for (size_t w = nwords32; w-- > 0;) {
    uint32_t value =
        w / 2 < words_.size() ? static_cast<uint32_t>(words_[w / 2] >> (32 * (w % 2))) : 0;
    for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
    if (w > 0) out += ',';
  }
  return out;
}

bool CpuSet::operator<(const CpuSet& o) const {
  size_t n = std::max(words_.size(), o.words_.size());
  for (size_t i = 0; i < n; ++i) {
    uint64_t a = i < words_.size() ? words_[i] : 0;
    uint64_t b = i < o.words_.size() ? o.words_[i] : 0;
    if (a == b) continue;
    // The set holding the lowest differing id sorts first, as "0" < "1" would in list form.
    uint64_t diff = a ^ b;
    return (a >> __builtin_ctzll(diff)) & 1;
  }
  return false;
}

std::vector<int> CpuSet::ToVector() const {
  std::vector<int> out;
  out.reserve(Size());
  for (int c : *this) out.push_back(c);
  return out;
}

}  // namespace dracpu
