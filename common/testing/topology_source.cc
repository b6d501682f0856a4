#include "common/testing/topology_source.h"

#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "common/testing/synthetic_sysfs.h"

namespace dracpu::testing {
namespace {

constexpr char kGenerated[] = "generated:";
constexpr int kMaxCpus = 8192;

}  // namespace

StatusOr<SyntheticShape> ParseShapeName(const std::string& name) {
  if (name == "1024") return Shape1024();
  if (name == "4096") return Shape4096();
  SyntheticShape shape;
  int consumed = 0;
  const int fields =
      std::sscanf(name.c_str(), "%ds%dn%dl%dc%dt%n", &shape.sockets, &shape.numa_per_socket,
                  &shape.l3_per_numa, &shape.cores_per_l3, &shape.threads_per_core, &consumed);
  if (fields != 5 || static_cast<size_t>(consumed) != name.size() || shape.Name() != name) {
    return Status::InvalidArgument("topology shape '" + name +
                                   "': want 1024, 4096 or <S>s<N>n<L>l<C>c<T>t, e.g. 2s2n1l4c2t");
  }
  for (int n : {shape.sockets, shape.numa_per_socket, shape.l3_per_numa, shape.cores_per_l3,
                shape.threads_per_core}) {
    if (n < 1 || n > kMaxCpus) return Status::InvalidArgument("topology shape '" + name + "'");
  }
  // Multiply step by step so that no product overflows before the check.
  long long cpus = 1;
  for (int n : {shape.sockets, shape.numa_per_socket, shape.l3_per_numa, shape.cores_per_l3,
                shape.threads_per_core}) {
    cpus *= n;
    if (cpus > kMaxCpus) {
      return Status::InvalidArgument("topology shape '" + name + "' has more than " +
                                     std::to_string(kMaxCpus) + " CPUs");
    }
  }
  return shape;
}

StatusOr<ExtractedFixture> OpenTopology(const std::string& topologies_dir,
                                        const std::string& topology) {
  if (topology == "host") {
    ExtractedFixture host;
    host.sys_root = "/sys";
    host.proc_root = "/proc";
    return host;
  }
  if (topology.rfind(kGenerated, 0) == 0) {
    StatusOr<SyntheticShape> shape = ParseShapeName(topology.substr(sizeof(kGenerated) - 1));
    if (!shape.ok()) return shape.status();
    ExtractedFixture generated;
    generated.dir = std::make_unique<TempDir>("dracpu-sysfs");
    generated.sys_root = generated.dir->Sub("sys");
    if (::mkdir(generated.sys_root.c_str(), 0755) != 0) {
      return Status::IOError("mkdir " + generated.sys_root);
    }
    DRACPU_RETURN_IF_ERROR(WriteSyntheticSysfs(*shape, generated.sys_root));
    return generated;
  }
  return ExtractFixture(topologies_dir, topology);
}

}  // namespace dracpu::testing
