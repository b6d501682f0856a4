// The real-machine fixtures of ../shared/topologies/ (see its README): extraction of a sysfs
// dump into a temporary folder, and hwloc's answer key for it, parsed from the file beside the
// dump (NAME.console: lstopo text; NAME.xml: hwloc XML). Numbers come from those files at run
// time; nothing is copied by hand into tests.

#ifndef DRACPU_COMMON_TESTING_TOPOLOGY_FIXTURES_H_
#define DRACPU_COMMON_TESTING_TOPOLOGY_FIXTURES_H_

#include <memory>
#include <string>
#include <vector>

#include "common/cpuset.h"
#include "common/status.h"
#include "common/testing/temp_dir.h"

namespace dracpu::testing {

// The NAMEs of every NAME.tar.bz2 in `topologies_dir`, sorted.
std::vector<std::string> FixtureNames(const std::string& topologies_dir);

struct ExtractedFixture {
  std::unique_ptr<TempDir> dir;  // removed with the value
  std::string sys_root;          // <top folder>/sys
  std::string proc_root;         // <top folder>/proc
};

// Runs `tar -xjf` into a new temporary folder. The tarball holds one top folder whose name can
// differ from NAME; it is found by listing.
StatusOr<ExtractedFixture> ExtractFixture(const std::string& topologies_dir,
                                          const std::string& name);

// One hwloc object: its OS index (P#, -1 when hwloc shows none) and the PUs under it.
struct HwlocObject {
  int os_index = -1;
  CpuSet cpus;
};

struct HwlocCpuKind {
  int efficiency = 0;  // higher = faster; hwloc's ranking
  CpuSet cpus;
};

// hwloc's reading of a machine. In XML keys, object sets are complete_cpuset: every CPU under
// the object, including CPUs outside the dumping process's cgroup (hwloc drops objects whose
// CPUs are all outside it; see `allowed`). In lstopo text keys, sets are the PUs shown.
struct HwlocKey {
  CpuSet machine;  // every CPU hwloc knows, offline ones included
  CpuSet allowed;  // the CPUs hwloc could use: online and inside the dumping process's cpuset
  std::vector<HwlocObject> packages, numa_nodes, l3_caches, cores, pus;
  std::vector<HwlocCpuKind> cpu_kinds;
};

// NAME.console if present, else NAME.xml.
StatusOr<HwlocKey> LoadHwlocKey(const std::string& topologies_dir, const std::string& name);
StatusOr<HwlocKey> ParseLstopoConsole(const std::string& text);
StatusOr<HwlocKey> ParseHwlocXml(const std::string& text);
// "0x0000003f", "0x00000001,0x00000000" (hwloc's bitmap form) -> CpuSet.
StatusOr<CpuSet> ParseHwlocBitmap(const std::string& text);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_TOPOLOGY_FIXTURES_H_
