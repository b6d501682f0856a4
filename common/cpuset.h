// CpuSet: a set of logical CPU ids, with the kernel's two text forms.
//
// The list form ("0-3,8,10-11") is what sysfs, cgroups, the CDI env var DRA_CPUSET_* and the
// state file use; the mask form ("00000000,0000000f", 32-bit hex words, most significant first)
// is what older kernels give in shared_cpu_map and nodeN/cpumap.
//
// Parsing is strict because a silently wrong set hands a container CPUs it was not allocated:
//   - the empty string (or a lone trailing "\n") is the empty set;
//   - one trailing newline is accepted, any other whitespace is an error;
//   - "3-1", "a", "1,,2", "1-", ids above kMaxCpuId are errors that name the input.
// Sysfs readers trim NUL bytes and extra newlines before calling Parse (see sysfs.h).
//
// Value type, cheap to copy (a fixed bitset of kMaxCpuId + 1 bits), iteration in ascending order.

#ifndef DRACPU_COMMON_CPUSET_H_
#define DRACPU_COMMON_CPUSET_H_

#include <bitset>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dracpu {

class CpuSet {
 public:
  static constexpr int kMaxCpuId = 8191;
  static constexpr int kCapacity = kMaxCpuId + 1;

  CpuSet() = default;
  // REQUIRES: every id in [0, kMaxCpuId]; out-of-range ids are ignored (use Parse for input).
  CpuSet(std::initializer_list<int> cpus);
  // The set {first, ..., last}; empty when last < first.
  static CpuSet Range(int first, int last);
  static CpuSet FromVector(const std::vector<int>& cpus);

  static StatusOr<CpuSet> Parse(std::string_view cpulist);
  static StatusOr<CpuSet> ParseMask(std::string_view mask);

  // Canonical list form: ascending, runs of two or more collapsed to "a-b". Empty set -> "".
  std::string ToString() const;
  // Mask form, as many 32-bit words as the highest id needs (at least one).
  std::string ToMask() const;

  bool Contains(int cpu) const { return cpu >= 0 && cpu <= kMaxCpuId && bits_.test(cpu); }
  void Add(int cpu) {
    if (cpu >= 0 && cpu <= kMaxCpuId) bits_.set(cpu);
  }
  void Remove(int cpu) {
    if (cpu >= 0 && cpu <= kMaxCpuId) bits_.reset(cpu);
  }
  int Size() const { return static_cast<int>(bits_.count()); }
  bool Empty() const { return bits_.none(); }
  // The lowest id, or -1 when empty.
  int First() const;

  CpuSet Union(const CpuSet& o) const { return CpuSet(bits_ | o.bits_); }
  CpuSet Intersection(const CpuSet& o) const { return CpuSet(bits_ & o.bits_); }
  CpuSet Difference(const CpuSet& o) const { return CpuSet(bits_ & ~o.bits_); }
  bool IsSubsetOf(const CpuSet& o) const { return (bits_ & ~o.bits_).none(); }
  bool Intersects(const CpuSet& o) const { return (bits_ & o.bits_).any(); }

  CpuSet operator|(const CpuSet& o) const { return Union(o); }
  CpuSet operator&(const CpuSet& o) const { return Intersection(o); }
  CpuSet operator-(const CpuSet& o) const { return Difference(o); }
  CpuSet& operator|=(const CpuSet& o) {
    bits_ |= o.bits_;
    return *this;
  }
  CpuSet& operator-=(const CpuSet& o) {
    bits_ &= ~o.bits_;
    return *this;
  }
  bool operator==(const CpuSet& o) const { return bits_ == o.bits_; }
  bool operator!=(const CpuSet& o) const { return bits_ != o.bits_; }
  // Orders by the lowest differing id, so sets sort deterministically (e.g. as map keys).
  bool operator<(const CpuSet& o) const;

  std::vector<int> ToVector() const;

  class Iterator {
   public:
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    Iterator(const std::bitset<kCapacity>* bits, size_t pos) : bits_(bits), pos_(pos) {}
    int operator*() const { return static_cast<int>(pos_); }
    Iterator& operator++() {
      pos_ = bits_->_Find_next(pos_);
      return *this;
    }
    bool operator==(const Iterator& o) const { return pos_ == o.pos_; }
    bool operator!=(const Iterator& o) const { return pos_ != o.pos_; }

   private:
    const std::bitset<kCapacity>* bits_;
    size_t pos_;
  };
  Iterator begin() const { return Iterator(&bits_, bits_._Find_first()); }
  Iterator end() const { return Iterator(&bits_, kCapacity); }

 private:
  explicit CpuSet(const std::bitset<kCapacity>& bits) : bits_(bits) {}
  std::bitset<kCapacity> bits_;
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_CPUSET_H_
