#include "driver/core/cdi.h"

#include <cpprest/json.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/atomic_file.h"
#include "driver/core/json_util.h"

namespace dracpu::cdi {

namespace {

constexpr char kFilePrefix[] = "dra.k8s.io-cpu_claim-";
constexpr char kFileSuffix[] = ".json";
constexpr char kTempPrefix[] = ".dra.k8s.io-cpu_claim-";
constexpr char kTempSuffix[] = ".tmp";
constexpr size_t kMaxUidLength = 128;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool HasPrefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool HasSuffix(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

Status Errno(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

std::string Quote(const std::string& s) { return web::json::value::string(s).serialize(); }

std::string JoinPath(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return Status::IOError("CDI folder " + dir + " exists and is not a directory");
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    DRACPU_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Errno("mkdir " + dir);
  return Status::OK();
}

// Calls `fn(name)` for every directory entry; a missing directory has none.
template <typename Fn>
Status ForEachEntry(const std::string& dir, Fn fn) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return errno == ENOENT ? Status::OK() : Errno("opendir " + dir);
  while (struct dirent* e = readdir(d)) fn(std::string_view(e->d_name));
  closedir(d);
  return Status::OK();
}

}  // namespace

Status ValidateClaimUid(std::string_view uid) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("claim UID \"" + std::string(uid.substr(0, kMaxUidLength)) +
                                   "\": " + why);
  };
  if (uid.empty()) return bad("empty");
  if (uid.size() > kMaxUidLength) return bad("longer than 128 characters");
  for (char c : uid) {
    if (!IsAlnum(c) && c != '-') return bad("only letters, digits and '-' are allowed");
  }
  if (!IsAlnum(uid.front()) || !IsAlnum(uid.back())) {
    return bad("must start and end with a letter or digit");
  }
  return Status::OK();
}

std::string DeviceName(std::string_view uid) { return "claim-" + std::string(uid); }
std::string DeviceId(std::string_view uid) { return std::string(kKind) + "=" + DeviceName(uid); }
std::string SpecFileName(std::string_view uid) {
  return kFilePrefix + std::string(uid) + kFileSuffix;
}
std::string EnvEntry(std::string_view uid, const CpuSet& cpus) {
  return kEnvPrefix + std::string(uid) + "=" + cpus.ToString();
}

StatusOr<std::string> SpecContent(std::string_view uid, const CpuSet& cpus) {
  DRACPU_RETURN_IF_ERROR(ValidateClaimUid(uid));
  if (cpus.Empty()) {
    return Status::InvalidArgument("CDI spec for claim " + std::string(uid) + ": no CPUs");
  }
  // Laid out as in cdi.md §1.4 so an operator reading /var/run/cdi sees the familiar shape.
  std::ostringstream out;
  out << "{\n"
      << "  \"cdiVersion\": " << Quote(kCdiVersion) << ",\n"
      << "  \"kind\": " << Quote(kKind) << ",\n"
      << "  \"devices\": [\n"
      << "    {\n"
      << "      \"name\": " << Quote(DeviceName(uid)) << ",\n"
      << "      \"containerEdits\": {\n"
      << "        \"env\": [" << Quote(EnvEntry(uid, cpus)) << "]\n"
      << "      }\n"
      << "    }\n"
      << "  ]\n"
      << "}\n";
  return out.str();
}

Status WriteSpec(const std::string& dir, std::string_view uid, const CpuSet& cpus) {
  StatusOr<std::string> content = SpecContent(uid, cpus);
  if (!content.ok()) return content.status();
  DRACPU_RETURN_IF_ERROR(MakeDirs(dir));
  // The temp name is hidden and ends in .tmp: runtimes watching the folder read only *.json and
  // *.yaml, and RemoveStaleTempFiles finds what a killed writer left.
  return WriteFileAtomicallyViaUniqueTemp(JoinPath(dir, SpecFileName(uid)), *content, 0644,
                                          kTempPrefix + std::string(uid) + ".", kTempSuffix);
}

Status RemoveSpec(const std::string& dir, std::string_view uid) {
  DRACPU_RETURN_IF_ERROR(ValidateClaimUid(uid));
  const std::string path = JoinPath(dir, SpecFileName(uid));
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink " + path);
  return Status::OK();
}

StatusOr<CpuSet> ReadSpec(const std::string& dir, std::string_view uid) {
  DRACPU_RETURN_IF_ERROR(ValidateClaimUid(uid));
  const std::string path = JoinPath(dir, SpecFileName(uid));
  // Our files are a few hundred bytes; a huge file is not ours to parse.
  StatusOr<std::string> text = ReadFileToString(path, 1 << 20);
  if (!text.ok()) return text.status();
  StatusOr<web::json::value> spec = ParseJson(*text, path);
  if (!spec.ok()) return spec.status();
  auto corrupt = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  if (JsonString(*spec, "kind").value_or("") != kKind) return corrupt("kind is not dra.k8s.io/cpu");
  const web::json::value* devices = JsonField(*spec, "devices");
  if (devices == nullptr || !devices->is_array() || devices->size() != 1) {
    return corrupt("want exactly one device");
  }
  if (JsonString(devices->at(0), "name").value_or("") != DeviceName(uid)) {
    return corrupt("device is not " + DeviceName(uid));
  }
  const web::json::value* env = JsonPath(devices->at(0), {"containerEdits", "env"});
  if (env == nullptr || !env->is_array() || env->size() != 1 || !env->at(0).is_string()) {
    return corrupt("want exactly one env entry");
  }
  const std::string& entry = env->at(0).as_string();
  const std::string prefix = kEnvPrefix + std::string(uid) + "=";
  if (!HasPrefix(entry, prefix)) return corrupt("env entry is not " + prefix + "...");
  StatusOr<CpuSet> cpus = CpuSet::Parse(std::string_view(entry).substr(prefix.size()));
  if (!cpus.ok()) return cpus.status().Annotate(path);
  return cpus;
}

StatusOr<std::vector<std::string>> ListClaimUids(const std::string& dir) {
  std::vector<std::string> uids;
  DRACPU_RETURN_IF_ERROR(ForEachEntry(dir, [&](std::string_view name) {
    if (!HasPrefix(name, kFilePrefix) || !HasSuffix(name, kFileSuffix)) return;
    std::string_view uid = name.substr(sizeof(kFilePrefix) - 1);
    uid.remove_suffix(sizeof(kFileSuffix) - 1);
    if (ValidateClaimUid(uid).ok()) uids.emplace_back(uid);
  }));
  std::sort(uids.begin(), uids.end());
  return uids;
}

StatusOr<int> RemoveStaleTempFiles(const std::string& dir) {
  std::vector<std::string> stale;
  DRACPU_RETURN_IF_ERROR(ForEachEntry(dir, [&](std::string_view name) {
    if (HasPrefix(name, kTempPrefix) && HasSuffix(name, kTempSuffix)) stale.emplace_back(name);
  }));
  for (const std::string& name : stale) {
    const std::string path = JoinPath(dir, name);
    if (unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink " + path);
  }
  return static_cast<int>(stale.size());
}

}  // namespace dracpu::cdi
