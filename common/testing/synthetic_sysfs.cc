#include "common/testing/synthetic_sysfs.h"

#include <map>

#include "common/testing/temp_dir.h"

namespace dracpu::testing {

Status WriteSyntheticSysfs(const SyntheticShape& shape, const std::string& sysfs_root) {
  const std::string cpu_dir = sysfs_root + "/devices/system/cpu";
  const std::vector<CpuInfo> cpus = SyntheticCpus(shape);
  const int cores = shape.total_cores();
  const int cores_per_socket = cores / shape.sockets;
  CpuSet all, online;
  std::map<int, CpuSet> numa;
  std::map<int, CpuSet> packages;
  for (const CpuInfo& c : cpus) {
    all.Add(c.id);
    if (c.online) online.Add(c.id);
    numa[c.numa_node].Add(c.id);
    packages[c.package].Add(c.id);
  }
  auto write = [](const std::string& path, const std::string& content) {
    return WriteFileForTest(path, content + "\n");
  };
  DRACPU_RETURN_IF_ERROR(write(cpu_dir + "/online", online.ToString()));
  DRACPU_RETURN_IF_ERROR(write(cpu_dir + "/possible", all.ToString()));
  DRACPU_RETURN_IF_ERROR(write(cpu_dir + "/present", all.ToString()));
  DRACPU_RETURN_IF_ERROR(write(cpu_dir + "/offline", (all - online).ToString()));
  DRACPU_RETURN_IF_ERROR(write(cpu_dir + "/isolated", ""));
  for (const CpuInfo& c : cpus) {
    const std::string dir = cpu_dir + "/cpu" + std::to_string(c.id);
    if (c.id != 0) DRACPU_RETURN_IF_ERROR(write(dir + "/online", c.online ? "1" : "0"));
    if (!c.online) continue;
    const std::string topo = dir + "/topology/";
    const std::string core = c.core_cpus.ToString();
    const std::string package = packages[c.package].ToString();
    const int core_id = (c.id % cores) % cores_per_socket;
    for (const auto& [name, value] :
         std::map<std::string, std::string>{{"physical_package_id", std::to_string(c.package)},
                                            {"die_id", std::to_string(c.die)},
                                            {"core_id", std::to_string(core_id)},
                                            {"core_cpus_list", core},
                                            {"thread_siblings_list", core},
                                            {"package_cpus_list", package},
                                            {"core_siblings_list", package},
                                            {"die_cpus_list", package}}) {
      DRACPU_RETURN_IF_ERROR(write(topo + name, value));
    }
    struct Cache {
      const char* level;
      const char* type;
      std::string shared;
    };
    const Cache caches[] = {{"1", "Data", core},
                            {"1", "Instruction", core},
                            {"2", "Unified", core},
                            {"3", "Unified", c.l3_cpus.ToString()}};
    for (int i = 0; i < 4; ++i) {
      const std::string index = dir + "/cache/index" + std::to_string(i) + "/";
      DRACPU_RETURN_IF_ERROR(write(index + "level", caches[i].level));
      DRACPU_RETURN_IF_ERROR(write(index + "type", caches[i].type));
      DRACPU_RETURN_IF_ERROR(write(index + "shared_cpu_list", caches[i].shared));
    }
  }
  const std::string node_dir = sysfs_root + "/devices/system/node";
  CpuSet nodes;
  for (const auto& [node, set] : numa) {
    nodes.Add(node);
    DRACPU_RETURN_IF_ERROR(
        write(node_dir + "/node" + std::to_string(node) + "/cpulist", set.ToString()));
  }
  return write(node_dir + "/online", nodes.ToString());
}

}  // namespace dracpu::testing
