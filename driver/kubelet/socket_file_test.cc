#include "driver/kubelet/socket_file.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace dracpu::kubelet {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/dracpu-sock-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  return tmpl;
}

// Leaves a socket file behind the way a crashed process does: bound, closed, not unlinked.
void LeaveStaleSocket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  close(fd);
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

}  // namespace

TEST_CASE("PrepareSocketPath removes a stale socket and makes a private folder",
          "[kubelet][socket]") {
  std::string dir = TempDir();
  std::string sub = dir + "/plugins/dra.cpu";
  REQUIRE(PrepareSocketPath(sub + "/dra.sock", /*own_parent=*/true).ok());
  CHECK((ModeOf(sub) & 0777) == 0700);

  LeaveStaleSocket(sub + "/dra.sock");
  REQUIRE(S_ISSOCK(ModeOf(sub + "/dra.sock")));
  REQUIRE(PrepareSocketPath(sub + "/dra.sock", true).ok());
  CHECK(access((sub + "/dra.sock").c_str(), F_OK) != 0);

  // A folder we do not own keeps its mode.
  REQUIRE(chmod(dir.c_str(), 0755) == 0);
  REQUIRE(PrepareSocketPath(dir + "/reg.sock", /*own_parent=*/false).ok());
  CHECK((ModeOf(dir) & 0777) == 0755);
  REQUIRE(system(("rm -rf " + dir).c_str()) == 0);
}

TEST_CASE("PrepareSocketPath refuses to remove what is not a socket", "[kubelet][socket]") {
  std::string dir = TempDir();
  std::string path = dir + "/dra.sock";
  std::ofstream(path) << "precious";
  Status s = PrepareSocketPath(path, false);
  CHECK(s.code() == Status::Code::kFailedPrecondition);
  CHECK(s.message().find("not a socket") != std::string::npos);
  std::ifstream in(path);
  std::string content;
  in >> content;
  CHECK(content == "precious");

  CHECK(PrepareSocketPath("relative.sock", false).IsInvalidArgument());
  CHECK(PrepareSocketPath("/" + std::string(200, 'a') + ".sock", false).IsInvalidArgument());
  REQUIRE(system(("rm -rf " + dir).c_str()) == 0);
}
}  // namespace dracpu::kubelet
