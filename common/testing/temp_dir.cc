#include "common/testing/temp_dir.h"

#include <glog/logging.h>
#include <stdlib.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace dracpu::testing {

TempDir::TempDir() {
  const char* base = ::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/dracpu-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  PCHECK(::mkdtemp(buf.data()) != nullptr) << "mkdtemp " << templ;
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace dracpu::testing
