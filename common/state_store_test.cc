// StateStore, its file format and its cached reader, in one process. The multi-process tests
// (concurrent writers, a writer killed at random moments) are in state_store_process_test.cc.

#include "common/state_store.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/sha256.h"
#include "common/testing/temp_dir.h"

namespace dracpu {
namespace {

using testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

Status AddClaim(AllocationState* s, const std::string& uid, const std::string& cpus) {
  ClaimAllocation& c = (*s->mutable_claims())[uid];
  c.set_uid(uid);
  c.set_namespace_("default");
  c.set_name("claim-" + uid);
  c.set_cpus(cpus);
  c.add_pod_uids("pod-" + uid);
  c.set_phase(ClaimAllocation::PREPARED);
  return Status::OK();
}

int CountCorruptCopies(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("allocations.json.corrupt-", 0) == 0) ++n;
  }
  return n;
}

// The bytes of the one corrupt copy in `dir`. REQUIRES: CountCorruptCopies(dir) == 1.
std::string CorruptCopyContents(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string path = e.path().string();
    if (e.path().filename().string().rfind("allocations.json.corrupt-", 0) == 0) return Slurp(path);
  }
  return "";
}

TEST_CASE("StateStore: a missing file is the empty state", "[state]") {
  TempDir tmp;
  StateStore store(tmp.Sub("state"));  // the folder does not even exist yet
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(s.ok());
  CHECK(s->claims_size() == 0);
  CHECK(s->generation() == 0);
  CHECK(s->api_version() == kStateApiVersion);
}

TEST_CASE("StateStore: round trip keeps every field and bumps the generation", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store
              .Update([](AllocationState* s) {
                s->set_node_name("node-a");
                s->set_boot_id("b0");
                s->set_online_cpus("0-7");
                s->set_reserved_cpus("0");
                s->set_allocatable_cpus("1-7");
                (*s->mutable_claims())["u1"].add_devices("req/pool/cpu-1");
                return AddClaim(s, "u1", "2-3");
              })
              .ok());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u2", "4"); }).ok());
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(s.ok());
  CHECK(s->generation() == 2);
  CHECK(s->node_name() == "node-a");
  CHECK(s->boot_id() == "b0");
  CHECK(s->online_cpus() == "0-7");
  CHECK(s->reserved_cpus() == "0");
  CHECK(s->allocatable_cpus() == "1-7");
  CHECK(!s->updated_at().empty());
  CHECK(s->checksum().size() == 64);
  REQUIRE(s->claims_size() == 2);
  const ClaimAllocation& c = s->claims().at("u1");
  CHECK(c.cpus() == "2-3");
  CHECK(c.namespace_() == "default");
  CHECK(c.name() == "claim-u1");
  CHECK(c.phase() == ClaimAllocation::PREPARED);
  REQUIRE(c.pod_uids_size() == 1);
  CHECK(c.pod_uids(0) == "pod-u1");
  REQUIRE(c.devices_size() == 1);
  CHECK(c.devices(0) == "req/pool/cpu-1");
  // Readable by a person: pretty printed with lowerCamelCase names.
  std::string text = Slurp(store.data_path());
  CHECK(text.find("\"podUids\"") != std::string::npos);
  CHECK(text.find("\n") != std::string::npos);
}

TEST_CASE("StateStore: a failing mutate writes nothing", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); }).ok());
  Status st = store.Update([](AllocationState* s) {
    AddClaim(s, "u2", "2");
    return Status::ResourceExhausted("no CPUs");
  });
  CHECK(st.IsResourceExhausted());
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(s.ok());
  CHECK(s->generation() == 1);
  CHECK(s->claims_size() == 1);
}

TEST_CASE("StateStore: unknown fields are ignored", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  // What a newer writer might produce: extra members at every level, checksum still valid.
  std::string body =
      "{\n \"apiVersion\": \"dra.cpu/v1\",\n \"generation\": \"7\",\n"
      " \"futureTopLevel\": {\"x\": [1, 2]},\n"
      " \"claims\": {\"u1\": {\"uid\": \"u1\", \"cpus\": \"3\", \"futureClaimField\": true}}";
  Spit(store.data_path(), body + ",\n \"checksum\": \"" + Sha256Hex(body) + "\"\n}\n");
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(s.ok());
  CHECK(s->generation() == 7);
  CHECK(s->claims().at("u1").cpus() == "3");
}

TEST_CASE("StateStore: an unknown apiVersion is refused and left in place", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  // A v2 file may change shapes (claims as a list in the first case); it must not be called
  // corrupt, whether or not it also parses as v1 and whatever checksum scheme it uses.
  const std::string text =
      GENERATE(std::string("{\"apiVersion\": \"dra.cpu/v2\", \"claims\": [{\"uid\": \"u1\"}]}\n"),
               std::string("{\"apiVersion\": \"dra.cpu/v2\", \"generation\": \"4\"}\n"));
  Spit(store.data_path(), text);
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(!s.ok());
  CHECK(s.status().code() == Status::Code::kFailedPrecondition);
  CHECK(s.status().message().find("dra.cpu/v2") != std::string::npos);
  Status st = store.Update([](AllocationState* s) { return Status::OK(); });
  CHECK(st.code() == Status::Code::kFailedPrecondition);
  CHECK(Slurp(store.data_path()) == text);
  CHECK(CountCorruptCopies(tmp.path()) == 0);
}

TEST_CASE("StateStore: a corrupt file is kept aside and reported", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  const std::string garbage = GENERATE(std::string("{\"apiVersion\": \"dra.cpu/v1\", \"gen"),
                                       std::string("not json at all"), std::string(""),
                                       std::string("{\"generation\": \"3\"}"));
  Spit(store.data_path(), garbage);
  // A reader reports it but does not touch the file.
  StatusOr<AllocationState> r = store.Read();
  REQUIRE(!r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(Slurp(store.data_path()) == garbage);
  // The writer moves it aside, writes nothing, and says so.
  Status st = store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); });
  CHECK(st.IsCorruption());
  CHECK(st.message().find("moved aside") != std::string::npos);
  CHECK(!std::filesystem::exists(store.data_path()));
  REQUIRE(CountCorruptCopies(tmp.path()) == 1);
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
    if (e.path().filename().string().rfind("allocations.json.corrupt-", 0) == 0) {
      CHECK(Slurp(e.path().string()) == garbage);
    }
  }
  // The writer then rebuilds from scratch.
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); }).ok());
  CHECK(store.Read().ok());
  // A second corruption never replaces the first copy.
  Spit(store.data_path(), "junk");
  CHECK(store.Update([](AllocationState* s) { return Status::OK(); }).IsCorruption());
  CHECK(CountCorruptCopies(tmp.path()) == 2);
}

TEST_CASE("StateStore: a file Options::validate refuses is corrupt, though its checksum holds",
          "[state]") {
  TempDir tmp;
  StateStore plain(tmp.path());
  REQUIRE(plain.Update([](AllocationState* s) { return AddClaim(s, "u1", "1-2"); }).ok());
  REQUIRE(plain.Update([](AllocationState* s) { return AddClaim(s, "u2", "2-3"); }).ok());
  const std::string written = Slurp(plain.data_path());
  StateStore::Options options;
  options.validate = [](const AllocationState& s) {
    return s.claims_size() > 1 ? Status::InvalidArgument("claims u1 and u2 both hold CPU 2")
                               : Status::OK();
  };
  StateStore checked(tmp.path(), options);
  StatusOr<AllocationState> r = checked.Read();
  REQUIRE(!r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message().find("both hold CPU 2") != std::string::npos);
  CHECK(plain.Read().ok());  // the same bytes without the check
  Status st = checked.Update([](AllocationState* s) { return AddClaim(s, "u3", "4"); });
  CHECK(st.IsCorruption());
  REQUIRE(CountCorruptCopies(tmp.path()) == 1);
  CHECK(CorruptCopyContents(tmp.path()) == written);
  REQUIRE(checked.Update([](AllocationState* s) { return AddClaim(s, "u3", "4"); }).ok());
  CHECK(checked.Read().ok());
  // A mutation whose result the check refuses is not written.
  const std::string good = Slurp(checked.data_path());
  Status refused = checked.Update([](AllocationState* s) { return AddClaim(s, "u4", "5"); });
  CHECK(refused.code() == Status::Code::kFailedPrecondition);
  CHECK(Slurp(checked.data_path()) == good);
  CHECK(checked.Read()->claims_size() == 1);
}

TEST_CASE("StateStore: the checksum catches a hand edit", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u1", "2-3"); }).ok());
  std::string text = Slurp(store.data_path());
  SECTION("changed cpus") {
    size_t at = text.find("\"2-3\"");
    REQUIRE(at != std::string::npos);
    text.replace(at, 5, "\"2-9\"");
  }
  SECTION("checksum removed") {
    size_t at = text.rfind(",\n \"checksum\"");
    REQUIRE(at != std::string::npos);
    text = text.substr(0, at) + "\n}\n";
  }
  SECTION("truncated") { text.resize(text.size() / 2); }
  Spit(store.data_path(), text);
  StatusOr<AllocationState> s = store.Read();
  REQUIRE(!s.ok());
  CHECK(s.status().IsCorruption());
}

TEST_CASE("StateStore: what a store remembers equals what a fresh store parses", "[state]") {
  TempDir tmp;
  StateStore writer(tmp.path());
  REQUIRE(writer
              .Update([](AllocationState* s) {
                s->set_node_name("node-a");
                (*s->mutable_claims())["u1"].add_devices("req/pool/cpu-1");
                return AddClaim(s, "u1", "2-3");
              })
              .ok());
  StatusOr<AllocationState> remembered = writer.Read();  // the bytes it wrote: no parse
  StatusOr<AllocationState> parsed = StateStore(tmp.path()).Read();
  REQUIRE(remembered.ok());
  REQUIRE(parsed.ok());
  CHECK(remembered->checksum().size() == 64);
  CHECK(remembered->SerializeAsString() == parsed->SerializeAsString());
}

TEST_CASE("StateStore: a same-size edit anywhere in a file of several read buffers is caught",
          "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store
              .Update([](AllocationState* s) {
                for (int i = 0; i < 200; ++i) {
                  DRACPU_RETURN_IF_ERROR(AddClaim(s, "u" + std::to_string(i), std::to_string(i)));
                }
                return Status::OK();
              })
              .ok());
  const std::string text = Slurp(store.data_path());
  REQUIRE(text.size() > 3 * 8192);
  REQUIRE(store.Read().ok());  // the cache holds these bytes now
  for (size_t at : {size_t{10}, size_t{8191}, size_t{8192}, size_t{20000}, text.size() - 90}) {
    std::string edited = text;
    edited[at] = edited[at] == 'x' ? 'y' : 'x';
    Spit(store.data_path(), edited);  // in place: same inode, same size
    INFO("byte " << at);
    CHECK(store.Read().status().IsCorruption());
    Spit(store.data_path(), text);
    CHECK(store.Read().ok());
  }
}

TEST_CASE("StateStore: View shares the remembered state, and an Update meanwhile leaves it intact",
          "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); }).ok());
  const AllocationState* first = nullptr;
  REQUIRE(store
              .View([&](const AllocationState& state) {
                first = &state;
                return Status::OK();
              })
              .ok());
  // Unchanged file: the same object, neither parsed nor copied again.
  REQUIRE(store
              .View([&](const AllocationState& state) {
                CHECK(&state == first);
                // The lock is released while this runs, so an Update may happen now; the state
                // seen here must not be the one it changes (or moves from).
                REQUIRE(
                    store.Update([](AllocationState* s) { return AddClaim(s, "u2", "2"); }).ok());
                CHECK(state.claims_size() == 1);
                CHECK(state.claims().at("u1").cpus() == "1");
                CHECK(state.generation() == 1);
                return Status::OK();
              })
              .ok());
  StatusOr<AllocationState> now = store.Read();
  REQUIRE(now.ok());
  CHECK(now->claims_size() == 2);
  CHECK(now->generation() == 2);
  // A refusal from `inspect` is returned as it is; a load error skips `inspect`.
  CHECK(store.View([](const AllocationState&) { return Status::NotFound("x"); }).IsNotFound());
  Spit(store.data_path(), "not json");
  bool called = false;
  CHECK(store
            .View([&](const AllocationState&) {
              called = true;
              return Status::OK();
            })
            .IsCorruption());
  CHECK_FALSE(called);
}

TEST_CASE("StateStore: a store sees what another store wrote after its own write", "[state]") {
  TempDir tmp;
  StateStore a(tmp.path());
  StateStore b(tmp.path());
  REQUIRE(a.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); }).ok());
  REQUIRE(b.Update([](AllocationState* s) { return AddClaim(s, "u2", "2"); }).ok());
  REQUIRE(a.Update([](AllocationState* s) { return AddClaim(s, "u3", "3"); }).ok());
  StatusOr<AllocationState> seen = b.Read();
  REQUIRE(seen.ok());
  CHECK(seen->generation() == 3);
  CHECK(seen->claims().count("u1") == 1);
  CHECK(seen->claims().count("u2") == 1);
  CHECK(seen->claims().count("u3") == 1);
}

TEST_CASE("StateStore: checksum is SHA-256 of the bytes before the checksum member", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); }).ok());
  std::string text = Slurp(store.data_path());
  REQUIRE(text.size() > 84);
  std::string body = text.substr(0, text.size() - 84);  // as documented in state_codec.h
  CHECK(text.find(Sha256Hex(body)) == text.size() - 68);
}

TEST_CASE("StateStore: files and folder are not world-writable whatever the umask", "[state]") {
  TempDir tmp;
  mode_t old = ::umask(0);  // the most permissive environment a process could inherit
  StateStore store(tmp.Sub("state"));
  Status st = store.Update([](AllocationState* s) { return AddClaim(s, "u1", "1"); });
  ::umask(old);
  REQUIRE(st.ok());
  struct stat sb;
  REQUIRE(::stat(store.dir().c_str(), &sb) == 0);
  CHECK((sb.st_mode & 07777) == 0750);
  REQUIRE(::stat(store.data_path().c_str(), &sb) == 0);
  CHECK((sb.st_mode & 07777) == 0640);
  REQUIRE(::stat(store.lock_path().c_str(), &sb) == 0);
  CHECK((sb.st_mode & 07777) == 0640);

  // A pre-existing world-writable folder loses o+w on the next write.
  REQUIRE(::chmod(store.dir().c_str(), 0777) == 0);
  REQUIRE(store.Update([](AllocationState* s) { return Status::OK(); }).ok());
  REQUIRE(::stat(store.dir().c_str(), &sb) == 0);
  CHECK((sb.st_mode & S_IWOTH) == 0);
}

TEST_CASE("CachedStateReader re-reads only when the file changes", "[state]") {
  TempDir tmp;
  StateStore store(tmp.path());
  CachedStateReader reader(&store);
  StatusOr<bool> changed = reader.Refresh();
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(reader.generation() == 0);
  changed = reader.Refresh();
  REQUIRE(changed.ok());
  CHECK(!*changed);  // still missing

  for (int i = 1; i <= 5; ++i) {
    REQUIRE(store
                .Update([&](AllocationState* s) {
                  return AddClaim(s, "u" + std::to_string(i), std::to_string(i));
                })
                .ok());
    changed = reader.Refresh();
    REQUIRE(changed.ok());
    CHECK(*changed);
    CHECK(reader.generation() == static_cast<uint64_t>(i));
    CHECK(reader.state().claims_size() == i);
    changed = reader.Refresh();
    REQUIRE(changed.ok());
    CHECK(!*changed);
  }

  // Damage: reported, and reported again without re-reading, until a good file appears.
  Spit(store.data_path() + ".new", "junk");
  REQUIRE(::rename((store.data_path() + ".new").c_str(), store.data_path().c_str()) == 0);
  CHECK(reader.Refresh().status().IsCorruption());
  CHECK(reader.Refresh().status().IsCorruption());
  CHECK(reader.generation() == 5);  // last good state kept
  CHECK(store.Update([](AllocationState* s) { return Status::OK(); }).IsCorruption());
  REQUIRE(store.Update([](AllocationState* s) { return AddClaim(s, "u9", "9"); }).ok());
  changed = reader.Refresh();
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(reader.generation() == 1);  // rebuilt from scratch after the corrupt file
}

TEST_CASE("WriteFileAtomically replaces content and a stale .tmp", "[state]") {
  TempDir tmp;
  std::string path = tmp.Sub("f");
  Spit(path + ".tmp", "stale leftover from a killed writer, longer than the new content");
  REQUIRE(WriteFileAtomically(path, "new", 0600).ok());
  CHECK(Slurp(path) == "new");
  CHECK(!std::filesystem::exists(path + ".tmp"));
  StatusOr<std::string> back = ReadFileToString(path);
  REQUIRE(back.ok());
  CHECK(*back == "new");
  CHECK(ReadFileToString(tmp.Sub("absent")).status().IsNotFound());
  CHECK(DirName("a/b/c") == "a/b");
  CHECK(DirName("c") == ".");
  CHECK(DirName("/c") == "/");
}

}  // namespace
}  // namespace dracpu
