#include "driver/gatherinfo.h"

#include <ostream>

#include "common/sysfs_topology.h"

namespace dracpu::driver {

namespace {

constexpr char kUsage[] = "usage: dracpu-driver gatherinfo [--sysfs-root PATH]\n";

}  // namespace

web::json::value GatherInfoJson(const Topology& t) {
  using web::json::value;
  value summary = value::object(/*keep_order=*/true);
  summary["cpus"] = value::number(t.online().Size());
  summary["cores"] = value::number(static_cast<int>(t.cores().size()));
  summary["packages"] = value::number(static_cast<int>(t.packages().size()));
  summary["numaNodes"] = value::number(static_cast<int>(t.numa_nodes().size()));
  summary["l3Groups"] = value::number(static_cast<int>(t.l3_groups().size()));
  summary["smtEnabled"] = value::boolean(t.smt_enabled());

  value cpus = value::array(t.cpus().size());
  size_t i = 0;
  for (const CpuInfo& c : t.cpus()) {
    value cpu = value::object(/*keep_order=*/true);
    cpu["id"] = value::number(c.id);
    cpu["online"] = value::boolean(c.online);
    cpu["core"] = value::number(c.core);
    cpu["package"] = value::number(c.package);
    cpu["die"] = value::number(c.die);
    cpu["numaNode"] = value::number(c.numa_node);
    cpu["l3"] = value::number(c.l3);
    cpu["coreType"] = value::string(CoreTypeName(c.core_type));
    cpu["siblings"] = value::string(t.CoreSiblings(c.id).ToString());
    cpus[i++] = cpu;
  }
  value root = value::object(/*keep_order=*/true);
  root["summary"] = summary;
  root["cpus"] = cpus;
  return root;
}

int RunGatherInfo(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string sysfs_root = "/sys";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const std::string flag = "--sysfs-root";
    if (a == flag && i + 1 < args.size()) {
      sysfs_root = args[++i];
    } else if (a.rfind(flag + "=", 0) == 0) {
      sysfs_root = a.substr(flag.size() + 1);
    } else {
      err << "gatherinfo: unexpected argument \"" << a << "\"\n" << kUsage;
      return 2;
    }
  }
  if (sysfs_root.empty()) {
    err << "gatherinfo: --sysfs-root needs a path\n" << kUsage;
    return 2;
  }
  StatusOr<Topology> topology = DiscoverTopology(sysfs_root);
  if (!topology.ok()) {
    err << "gatherinfo: " << topology.status().ToString() << "\n";
    return 1;
  }
  out << GatherInfoJson(*topology).serialize() << "\n";
  return 0;
}

}  // namespace dracpu::driver
