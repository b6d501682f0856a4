// dracpu-driver: the node's DRA driver for exclusive CPUs.
//
//   dracpu-driver [run] [FLAGS]                 the driver (driver/app/run_driver.h)
//   dracpu-driver gatherinfo [--sysfs-root P]   print the discovered CPU topology as JSON
//
// Flags and the YAML file of --config are described by `dracpu-driver --help`; a flag wins over
// the file (common/config.h).

#include <glog/logging.h>

#include <iostream>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/logging.h"
#include "driver/app/run_driver.h"
#include "driver/gatherinfo.h"

int main(int argc, char** argv) {
  dracpu::InitLogging(argv[0]);
  std::vector<std::string> args = dracpu::ArgsFromArgv(argc, argv);
  if (!args.empty() && args[0] == "gatherinfo") {
    return dracpu::driver::RunGatherInfo(std::vector<std::string>(args.begin() + 1, args.end()),
                                         std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "run") args.erase(args.begin());

  dracpu::StatusOr<dracpu::DriverConfig> config = dracpu::ParseDriverConfig(args);
  if (!config.ok()) {
    std::cerr << "dracpu-driver: " << config.status().message() << "\n"
              << "run `dracpu-driver --help` for the flags\n";
    return 2;
  }
  if (config->shared.help) {
    std::cout << "usage: dracpu-driver [run] [FLAGS] | dracpu-driver gatherinfo [--sysfs-root P]\n"
              << dracpu::DriverUsage();
    return 0;
  }
  dracpu::ApplyLogConfig(config->shared);
  return dracpu::driver::RunDriver(*config);
}
