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
// Value type (a word vector sized to the highest member), iteration in ascending order.

#ifndef DRACPU_COMMON_CPUSET_H_
#define DRACPU_COMMON_CPUSET_H_

#include <cstddef>
#include <cstdint>
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

  bool Contains(int cpu) const {
    if (cpu < 0 || cpu > kMaxCpuId) return false;
    size_t w = static_cast<size_t>(cpu) / 64;
    return w < words_.size() && (words_[w] >> (cpu % 64) & 1);
  }
  // Out-of-range ids are ignored (use Parse for input).
  void Add(int cpu);
  void Remove(int cpu);
  // Adds {first, ..., last} clipped to [0, kMaxCpuId]; nothing when last < first.
  void AddRange(int first, int last);
  int Size() const;
  bool Empty() const { return words_.empty(); }
  // The lowest id, or -1 when empty.
  int First() const { return Next(0); }
  // The lowest id >= from, or -1.
  int Next(int from) const;

  CpuSet Union(const CpuSet& o) const;
  CpuSet Intersection(const CpuSet& o) const;
  CpuSet Difference(const CpuSet& o) const;
  bool IsSubsetOf(const CpuSet& o) const;
  bool Intersects(const CpuSet& o) const;

  CpuSet operator|(const CpuSet& o) const { return Union(o); }
  CpuSet operator&(const CpuSet& o) const { return Intersection(o); }
  CpuSet operator-(const CpuSet& o) const { return Difference(o); }
  CpuSet& operator|=(const CpuSet& o);
  CpuSet& operator-=(const CpuSet& o);
  bool operator==(const CpuSet& o) const { return words_ == o.words_; }
  bool operator!=(const CpuSet& o) const { return words_ != o.words_; }
  // Orders by the lowest differing id, so sets sort deterministically (e.g. as map keys).
  bool operator<(const CpuSet& o) const;

  std::vector<int> ToVector() const;

  class Iterator {
   public:
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    Iterator(const CpuSet* set, int pos) : set_(set), pos_(pos) {}
    int operator*() const { return pos_; }
    Iterator& operator++() {
      pos_ = set_->Next(pos_ + 1);
      return *this;
    }
    bool operator==(const Iterator& o) const { return pos_ == o.pos_; }
    bool operator!=(const Iterator& o) const { return pos_ != o.pos_; }

   private:
    const CpuSet* set_;
    int pos_;
  };
  Iterator begin() const { return Iterator(this, First()); }
  Iterator end() const { return Iterator(this, -1); }

 private:
  // The lowest id >= from that is not a member (may be past the last word).
  int NextAbsent(int from) const;
  // Drops trailing zero words, so equal sets have equal vectors and Empty() is words_.empty().
  void Trim();
  // Bit i of words_[w] is CPU 64*w + i. Sized to the highest member: a set of a few CPUs costs
  // a word or two, not the 1 KiB a fixed 8192-bit set would (4096-CPU topologies hold thousands
  // of sets, and the nri-plugin one per container).
  std::vector<uint64_t> words_;
};

}  // namespace dracpu

#endif  // DRACPU_COMMON_CPUSET_H_
