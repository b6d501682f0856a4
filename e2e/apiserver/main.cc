// apiserver-standin: runs the API server stand-in until SIGINT/SIGTERM.
// Prints "PORT <n>" and "URL <url>" on stdout (one line each) once it listens, so a test or
// `make demo` can read where to connect. Flags: --tls-cert PATH --tls-key PATH
// --bookmark-interval-ms N --served-versions v1,v1beta2,v1beta1 --bearer-token T.

#include <glog/logging.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <sstream>

#include "e2e/apiserver/apiserver_standin.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }
}  // namespace

int main(int argc, char** argv) {
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  dracpu::standin::StandinOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--tls-cert") {
      options.tls_cert_file = value();
    } else if (arg == "--tls-key") {
      options.tls_key_file = value();
    } else if (arg == "--bookmark-interval-ms") {
      options.bookmark_interval = std::chrono::milliseconds(std::atoi(value().c_str()));
    } else if (arg == "--tls-client-ca") {
      options.tls_client_ca_file = value();
    } else if (arg == "--bearer-token") {
      options.bearer_token = value();
    } else if (arg == "--served-versions") {
      options.served_versions.clear();
      std::stringstream in(value());
      std::string v;
      while (std::getline(in, v, ',')) options.served_versions.push_back(v);
    } else {
      std::cerr << "unknown flag " << arg << "\n";
      return 2;
    }
  }
  auto server = dracpu::standin::ApiServerStandin::Start(options);
  if (!server.ok()) {
    LOG(ERROR) << server.status();
    return 1;
  }
  std::cout << "PORT " << (*server)->port() << "\nURL " << (*server)->url() << std::endl;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  while (!g_stop) pause();
  (*server)->Stop();
  return 0;
}
