// State store: one locked read-modify-write with fsync (file and folder) on the local disk, as
// the driver does per prepared claim; plus the nri-plugin's side (a locked read and parse, and
// the cached check when nothing changed). Median and p99 with an empty file and with 100 claims.
// Figures are printed, never asserted. Also SHA-256 of a 64 KiB state-sized body (every write
// and every changed-file read hashes the whole body): common/sha256.h beside OpenSSL's
// EVP_Digest, linked here only for the comparison.
//
// Usage: bench_state [folder] (default: a fresh temp folder under $TMPDIR or the build tree; the
// figures depend on the file system it is on, whose type is printed).

#include <openssl/evp.h>
#include <sys/vfs.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "common/sha256_blocks.h"
#include "common/state_store.h"
#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

void Fill(AllocationState* s, int claims) {
  s->set_node_name("bench-node");
  s->set_online_cpus("0-4095");
  s->set_reserved_cpus("0-1");
  for (int i = 0; i < claims; ++i) {
    std::string uid = "0b7c3e4a-9d2f-4c1b-8e6a-" + std::to_string(100000000000 + i);
    ClaimAllocation& c = (*s->mutable_claims())[uid];
    c.set_uid(uid);
    c.set_namespace_("team-" + std::to_string(i % 7));
    c.set_name("claim-" + std::to_string(i));
    c.set_cpus(std::to_string(2 + 8 * i) + "-" + std::to_string(9 + 8 * i));
    c.add_pod_uids("5f1d2c3b-aaaa-bbbb-cccc-" + std::to_string(200000000000 + i));
    c.set_phase(ClaimAllocation::PREPARED);
    c.add_devices("cpus/bench-node/cpudev" + std::to_string(i));
  }
}

struct Figures {
  double median, p99, max;
};

template <typename F>
Figures Time(int runs, F body) {
  std::vector<double> us;
  us.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    body(i);
    auto end = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[(us.size() * 99) / 100], us.back()};
}

void Print(const char* what, int claims, int runs, Figures f) {
  std::printf("%-32s claims=%3d runs=%4d  median=%9.1f us  p99=%9.1f us  max=%9.1f us\n", what,
              claims, runs, f.median, f.p99, f.max);
}

int Run(const std::string& dir, int claims, int runs) {
  StateStore store(dir + "/claims" + std::to_string(claims));
  Status st = store.Update([&](AllocationState* s) {
    Fill(s, claims);
    return Status::OK();
  });
  if (!st.ok()) {
    std::fprintf(stderr, "setup: %s\n", st.ToString().c_str());
    return 1;
  }
  bool failed = false;
  Figures rmw = Time(runs, [&](int i) {
    // A small change; the cost is the lock, the parse, the serialization and the two fsyncs.
    failed |= !store
                   .Update([&](AllocationState* s) {
                     s->set_allocatable_cpus(std::to_string(i));
                     return Status::OK();
                   })
                   .ok();
  });
  Figures read = Time(runs, [&](int) { failed |= !store.Read().ok(); });
  Figures fresh = Time(runs, [&](int) { failed |= !StateStore(store.dir()).Read().ok(); });
  StatusOr<AllocationState> current = store.Read();
  failed |= !current.ok();
  std::string bytes;
  Figures encode = Time(runs, [&](int) {
    StatusOr<std::string> out = EncodeState(*current);
    failed |= !out.ok();
    if (out.ok()) bytes = std::move(out).value();
  });
  Figures decode = Time(runs, [&](int) { failed |= !DecodeState(bytes).ok(); });
  CachedStateReader reader(&store);
  failed |= !reader.Refresh().ok();
  Figures cached = Time(runs * 10, [&](int) { failed |= !reader.Refresh().ok(); });
  if (failed) {
    std::fprintf(stderr, "a state operation failed\n");
    return 1;
  }
  Print("state Update (rmw+2 fsync)", claims, runs, rmw);
  Print("state Read (LOCK_SH, same store)", claims, runs, read);
  Print("state Read (fresh store, parse)", claims, runs, fresh);
  Print("EncodeState alone", claims, runs, encode);
  Print("DecodeState alone", claims, runs, decode);
  Print("state cached Refresh (stat)", claims, runs * 10, cached);
  return 0;
}

std::string Hex(const unsigned char* digest, unsigned int len) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

int HashRun(int runs) {
  std::string body(64 * 1024, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 131 + 7);
  std::string ours, theirs;
  Figures own = Time(runs, [&](int) { ours = Sha256Hex(body); });
  Figures openssl = Time(runs, [&](int) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(body.data(), body.size(), digest, &len, EVP_sha256(), nullptr) == 1) {
      theirs = Hex(digest, len);
    }
  });
  // The portable compression alone, the speed on CPUs without the SHA extensions.
  std::array<uint32_t, 8> state{};
  Figures portable = Time(runs, [&](int) {
    sha256_internal::CompressBlocksPortable(
        state.data(), reinterpret_cast<const unsigned char*>(body.data()), body.size() / 64);
  });
  if (ours != theirs) {
    std::fprintf(stderr, "SHA-256 mismatch: ours %s, OpenSSL %s\n", ours.c_str(), theirs.c_str());
    return 1;
  }
  const std::string chosen =
      std::string("SHA-256 64 KiB, common/sha256.h (") +
      (sha256_internal::CpuHasShaInstructions() ? "SHA extensions)" : "portable)");
  for (auto [what, f] :
       {std::pair{chosen.c_str(), own}, std::pair{"SHA-256 64 KiB, portable compression", portable},
        std::pair{"SHA-256 64 KiB, OpenSSL EVP_Digest", openssl}}) {
    std::printf("%-46s runs=%4d  median=%9.1f us  p99=%9.1f us  (%.0f MB/s)\n", what, runs,
                f.median, f.p99, body.size() / f.median);
  }
  return 0;
}

}  // namespace
}  // namespace dracpu

int main(int argc, char** argv) {
  // TempDir prefers tmpfs (/dev/shm), where fsync costs nothing: the figure that matters is on
  // the node's disk, so the default folder lives in the build tree unless TMPDIR says otherwise.
  if (const char* t = std::getenv("TMPDIR"); t == nullptr || *t == '\0') {
    ::setenv("TMPDIR", DRACPU_BINARY_DIR, 1);
  }
  dracpu::testing::TempDir tmp;
  std::string dir = argc > 1 ? argv[1] : tmp.path();
  struct statfs fs;
  if (::statfs(dir.c_str(), &fs) == 0) {
    std::printf("state bench folder %s (statfs f_type 0x%lx)\n", dir.c_str(),
                static_cast<unsigned long>(fs.f_type));
  }
  const int runs = 200;
  int rc = dracpu::Run(dir, 0, runs);
  rc |= dracpu::Run(dir, 100, runs);
  rc |= dracpu::HashRun(runs);
  return rc;
}
