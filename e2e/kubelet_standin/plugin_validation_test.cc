#include "e2e/kubelet_standin/plugin_validation.h"

#include <catch2/catch.hpp>

namespace dracpu::standin {

TEST_CASE("driver names the kubelet accepts", "[standin]") {
  CHECK(ValidateDriverName("dra.cpu").ok());
  CHECK(ValidateDriverName("gpu.example.com").ok());
  CHECK(ValidateDriverName(std::string(63, 'a')).ok());
  CHECK_FALSE(ValidateDriverName("").ok());
  CHECK_FALSE(ValidateDriverName(std::string(64, 'a')).ok());
  CHECK_FALSE(ValidateDriverName("../evil").ok());
  CHECK_FALSE(ValidateDriverName("evil driver").ok());
  CHECK_FALSE(ValidateDriverName("Dra.cpu").ok());
  CHECK_FALSE(ValidateDriverName("-dra").ok());
}

TEST_CASE("endpoints must be absolute, short and inside the kubelet root", "[standin]") {
  const std::string root = "/var/lib/kubelet";
  CHECK(ValidateEndpoint("/var/lib/kubelet/plugins/dra.cpu/dra.sock", root).ok());
  CHECK(ValidateEndpoint("/var/lib/kubelet/plugins_registry/dra.cpu-reg.sock", root).ok());
  CHECK(ValidateEndpoint("/var/lib/kubelet/plugins/./x/../dra.sock", root).ok());
  CHECK_FALSE(ValidateEndpoint("", root).ok());
  CHECK_FALSE(ValidateEndpoint("plugin.sock", root).ok());
  CHECK_FALSE(ValidateEndpoint("/run/other/socket.sock", root).ok());
  CHECK_FALSE(ValidateEndpoint("/var/lib/kubelet/../../etc/passwd", root).ok());
  CHECK_FALSE(ValidateEndpoint("/var/lib/kubeletx/dra.sock", root).ok());
  CHECK_FALSE(ValidateEndpoint("/var/lib/kubelet/" + std::string(100, 'a') + ".sock", root).ok());
  CHECK(CleanPath("/a/./b/../c/") == "/a/c");
  CHECK(CleanPath("/../..") == "/");
}

}  // namespace dracpu::standin
