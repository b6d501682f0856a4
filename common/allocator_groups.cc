#include "common/allocator_groups.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace dracpu::alloc {

bool Fits(const Capacity& cap, int t, int n) {
  if (n > cap.Cpus(t)) return false;
  // Use as many t-blocks as fit; the rest must come from loose CPUs.
  int blocks = std::min(cap.units, n / t);
  return n - blocks * t <= cap.ones;
}

namespace {

// Chooses the set: indexes into `c`, the whole-taken groups first and the best fit last.
std::vector<int> ChooseSet(const std::vector<Candidate>& c, int t, int n) {
  const int size = static_cast<int>(c.size());
  Capacity total;
  for (const Candidate& g : c) total += g.cap;
  if (!Fits(total, t, n)) return {};

  // One group alone: lowest (cost, free CPUs, id).
  int single = -1;
  auto single_key = [&](int i) { return std::make_tuple(c[i].cost, c[i].cap.Cpus(t), c[i].id); };
  for (int i = 0; i < size; ++i) {
    if (Fits(c[i].cap, t, n) && (single < 0 || single_key(i) < single_key(single))) single = i;
  }
  if (single >= 0) return {single};

  std::vector<int> order(size);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int x, int y) {
    const Candidate& a = c[x];
    const Candidate& b = c[y];
    if (a.cap.Cpus(t) != b.cap.Cpus(t)) return a.cap.Cpus(t) > b.cap.Cpus(t);
    if (a.order_key != b.order_key) return a.order_key > b.order_key;
    return a.id < b.id;
  });

  // The k-1 freest groups plus the best fitting other one. For n % t <= 1 this form holds a
  // minimum set: either the k freest fit, or the k-1 freest lack a loose CPU and the best other
  // group with one completes them. At k == size it is the whole (fitting) set, so this ends.
  Capacity head;
  for (int k = 2; k <= size; ++k) {
    head += c[order[k - 2]].cap;
    if (head.Cpus(t) + c[order[k - 1]].cap.Cpus(t) < n) continue;  // the k freest fall short
    // The last group: one whose affinity is already chosen, then the best fit, then lowest id.
    auto last_key = [&](int j) {
      const Candidate& g = c[order[j]];
      bool used = false;
      for (int h = 0; h < k - 1; ++h) used = used || c[order[h]].affinity == g.affinity;
      return std::make_tuple(!used, g.cap.Cpus(t), g.id);
    };
    int last = -1;
    for (int j = k - 1; j < size; ++j) {
      const Candidate& g = c[order[j]];
      Capacity with = head;
      with += g.cap;
      if (!Fits(with, t, n)) continue;
      if (last < 0 || last_key(j) < last_key(last)) last = j;
    }
    if (last < 0) continue;
    std::vector<int> set(order.begin(), order.begin() + (k - 1));
    set.push_back(order[last]);
    return set;
  }
  return {};  // unreachable: the whole set fits
}

}  // namespace

std::vector<Share> PickGroups(const std::vector<Candidate>& c, int t, int n) {
  std::vector<int> set = ChooseSet(c, t, n);
  if (set.empty()) return {};
  Capacity sum;
  for (int i : set) sum += c[i].cap;
  // Blocks first (fewest cores), then loose CPUs, each handed out in the chosen order so the
  // groups taken whole are emptied and only the last one is left partly free.
  int blocks = std::min(sum.units, n / t);
  int ones = n - blocks * t;
  std::vector<Share> shares;
  for (int i : set) {
    int b = std::min(c[i].cap.units, blocks);
    int o = std::min(c[i].cap.ones, ones);
    blocks -= b;
    ones -= o;
    if (b * t + o > 0) shares.push_back({i, b * t + o});
  }
  return shares;
}

int CountGroups(const std::vector<Candidate>& c, int t, int n) {
  return static_cast<int>(ChooseSet(c, t, n).size());
}

}  // namespace dracpu::alloc
