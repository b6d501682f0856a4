#include "e2e/runtime_standin/cdi_env.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <set>
#include <sstream>

#include "driver/core/json_util.h"

namespace dracpu::standin {
namespace {

const std::set<std::string> kKnownVersions = {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0",
                                              "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"};

Status OnlyKnownMembers(const web::json::value& object, const std::set<std::string>& known,
                        const std::string& where) {
  if (!object.is_object()) return Status::InvalidArgument(where + " is not an object");
  for (const auto& member : object.as_object()) {
    if (!known.count(member.first)) {
      return Status::InvalidArgument("unknown field \"" + member.first + "\" in " + where);
    }
  }
  return Status::OK();
}

// The env list of a containerEdits object (absent = none).
Status ReadEdits(const web::json::value* edits, const std::string& where,
                 std::vector<std::string>* env) {
  if (edits == nullptr) return Status::OK();
  DRACPU_RETURN_IF_ERROR(OnlyKnownMembers(
      *edits, {"env", "deviceNodes", "mounts", "hooks", "intelRdt", "additionalGids", "netDevices"},
      where));
  const web::json::value* list = JsonField(*edits, "env");
  if (list == nullptr) return Status::OK();
  if (!list->is_array()) return Status::InvalidArgument(where + ".env is not an array");
  for (const web::json::value& entry : list->as_array()) {
    if (!entry.is_string()) return Status::InvalidArgument(where + ".env has a non-string");
    const std::string& s = entry.as_string();
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(where + ".env entry \"" + s + "\" is not NAME=VALUE");
    }
    env->push_back(s);
  }
  return Status::OK();
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

}  // namespace

StatusOr<CdiSpecEnv> ParseCdiSpec(std::string_view json) {
  StatusOr<web::json::value> doc = ParseJson(json, "CDI spec");
  if (!doc.ok()) return doc.status();
  DRACPU_RETURN_IF_ERROR(OnlyKnownMembers(
      *doc, {"cdiVersion", "kind", "annotations", "devices", "containerEdits"}, "spec"));
  std::optional<std::string> version = JsonString(*doc, "cdiVersion");
  if (!version) return Status::InvalidArgument("spec has no cdiVersion");
  std::string v = !version->empty() && (*version)[0] == 'v' ? version->substr(1) : *version;
  if (!kKnownVersions.count(v))
    return Status::InvalidArgument("invalid version \"" + *version + "\"");
  CdiSpecEnv out;
  std::optional<std::string> kind = JsonString(*doc, "kind");
  if (!kind || kind->find('/') == std::string::npos || kind->front() == '/' ||
      kind->back() == '/' || kind->find('/') != kind->rfind('/')) {
    return Status::InvalidArgument("spec kind is missing or not vendor/class");
  }
  out.kind = *kind;
  DRACPU_RETURN_IF_ERROR(
      ReadEdits(JsonField(*doc, "containerEdits"), "containerEdits", &out.spec_env));
  const web::json::value* devices = JsonField(*doc, "devices");
  if (devices == nullptr || !devices->is_array() || devices->as_array().size() == 0) {
    return Status::InvalidArgument("spec has no devices");
  }
  for (const web::json::value& dev : devices->as_array()) {
    DRACPU_RETURN_IF_ERROR(
        OnlyKnownMembers(dev, {"name", "annotations", "containerEdits"}, "device"));
    std::optional<std::string> name = JsonString(dev, "name");
    if (!name || name->empty()) return Status::InvalidArgument("device without a name");
    if (out.device.count(*name)) return Status::InvalidArgument("duplicate device " + *name);
    std::vector<std::string>& env = out.device[*name];
    const web::json::value* edits = JsonField(dev, "containerEdits");
    if (edits == nullptr) return Status::InvalidArgument("device " + *name + " has no edits");
    DRACPU_RETURN_IF_ERROR(ReadEdits(edits, "device " + *name, &env));
  }
  return out;
}

void ApplyEnvEdits(const std::vector<std::string>& edits, std::vector<std::string>* env) {
  for (const std::string& edit : edits) {
    std::string_view name(edit.data(), edit.find('='));
    bool replaced = false;
    for (std::string& existing : *env) {
      if (existing.size() > name.size() && existing[name.size()] == '=' &&
          existing.compare(0, name.size(), name.data(), name.size()) == 0) {
        existing = edit;
        replaced = true;
      }
    }
    if (!replaced) env->push_back(edit);
  }
}

void CdiCache::Refresh() {
  std::map<std::string, File> files;
  std::map<std::string, Device> devices;
  // A device defined twice in one folder is dropped entirely, also where a lower-priority
  // folder defines it (the CDI library deletes conflicting names after merging all folders).
  std::set<std::string> conflicts;
  errors_.clear();
  for (const std::string& dir : dirs_) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) continue;  // a missing folder holds no specs
    std::set<std::string> names;
    while (struct dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (EndsWith(n, ".json") || EndsWith(n, ".yaml")) names.insert(n);
    }
    closedir(d);
    std::map<std::string, Device> in_dir;
    for (const std::string& n : names) {
      std::string path = dir + "/" + n;
      struct stat st;
      if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      File& f = files[path];
      auto old = files_.find(path);
      if (old != files_.end() && old->second.size == st.st_size &&
          old->second.mtime.tv_sec == st.st_mtim.tv_sec &&
          old->second.mtime.tv_nsec == st.st_mtim.tv_nsec) {
        f = old->second;
      } else {
        f.mtime = st.st_mtim;
        f.size = st.st_size;
        if (EndsWith(n, ".yaml")) {
          f.spec = Status::InvalidArgument("YAML specs are not read by the stand-in");
        } else {
          std::ifstream in(path, std::ios::binary);
          std::stringstream text;
          text << in.rdbuf();
          f.spec = ParseCdiSpec(text.str());
        }
      }
      if (!f.spec.ok()) {
        errors_[path] = f.spec.status().message();
        continue;
      }
      for (const auto& dev : f.spec->device) {
        std::string id = f.spec->kind + "=" + dev.first;
        if (in_dir.count(id)) {
          conflicts.insert(id);
          errors_[path] = "conflicting device " + id;
        }
        in_dir[id] = Device{path, dev.first};
      }
    }
    for (auto& [id, dev] : in_dir) devices[id] = dev;  // a later folder wins
  }
  for (const std::string& id : conflicts) devices.erase(id);
  files_ = std::move(files);
  devices_ = std::move(devices);
}

StatusOr<std::vector<std::string>> CdiCache::EnvFor(const std::vector<std::string>& ids) const {
  std::vector<std::string> env;
  std::set<std::string> specs_applied;
  std::string unresolved;
  for (const std::string& id : ids) {
    auto it = devices_.find(id);
    if (it == devices_.end()) {
      unresolved += (unresolved.empty() ? "" : ", ") + id;
      continue;
    }
    const CdiSpecEnv& spec = *files_.at(it->second.file).spec;
    if (specs_applied.insert(it->second.file).second) {
      env.insert(env.end(), spec.spec_env.begin(), spec.spec_env.end());
    }
    const std::vector<std::string>& dev = spec.device.at(it->second.name);
    env.insert(env.end(), dev.begin(), dev.end());
  }
  if (!unresolved.empty()) return Status::NotFound("unresolvable CDI devices " + unresolved);
  return env;
}

}  // namespace dracpu::standin
