// dracpu-driver: the node's DRA driver for exclusive CPUs.
//
// A subcommand dispatcher: `gatherinfo` prints the discovered topology. The serving mode (DRA
// gRPC, registration, ResourceSlices) joins as another entry in kSubcommands.

#include <glog/logging.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "driver/gatherinfo.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
  const char* summary;
};

int GatherInfo(const std::vector<std::string>& args) {
  return dracpu::driver::RunGatherInfo(args, std::cout, std::cerr);
}

const Subcommand kSubcommands[] = {
    {"gatherinfo", GatherInfo, "gatherinfo [--sysfs-root PATH]  print the CPU topology as JSON"},
};

int Usage() {
  std::cerr << "usage: dracpu-driver SUBCOMMAND [ARGS]\nsubcommands:\n";
  for (const Subcommand& s : kSubcommands) std::cerr << "  " << s.summary << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  if (argc < 2) return Usage();
  for (const Subcommand& s : kSubcommands) {
    if (std::strcmp(argv[1], s.name) == 0) {
      return s.run(std::vector<std::string>(argv + 2, argv + argc));
    }
  }
  std::cerr << "dracpu-driver: unknown subcommand \"" << argv[1] << "\"\n";
  return Usage();
}
