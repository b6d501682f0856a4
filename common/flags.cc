#include "common/flags.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <set>

#include "common/atomic_file.h"

namespace dracpu {
namespace {

const Setting* Find(const std::vector<Setting>& table, const std::string& flag) {
  for (const Setting& s : table) {
    if (s.flag == flag) return &s;
  }
  return nullptr;
}

std::string FlagName(const Setting& s) {
  std::string name = "flag --" + s.flag;
  if (!s.yaml_key.empty()) name += " (" + s.yaml_key + ")";
  return name;
}

Status ApplyFlag(const Setting& s, const std::string& value) {
  Status st = s.set(value);
  if (!st.ok()) return Status::InvalidArgument(FlagName(s) + ": " + st.message());
  return Status::OK();
}

}  // namespace

StatusOr<bool> ParseBool(const std::string& v) {
  static const std::set<std::string> kTrue = {"1", "t", "T", "true", "True", "TRUE"};
  static const std::set<std::string> kFalse = {"0", "f", "F", "false", "False", "FALSE"};
  if (kTrue.count(v)) return true;
  if (kFalse.count(v)) return false;
  return Status::InvalidArgument("\"" + v + "\" is not a boolean (true|false)");
}

StatusOr<int> ParseInt(const std::string& v, int min, int max) {
  if (v.empty() || v.size() > 12) return Status::InvalidArgument("\"" + v + "\" is not an integer");
  errno = 0;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  bool starts_ok = (v[0] >= '0' && v[0] <= '9') || v[0] == '-';  // strtol skips spaces, "+"
  if (errno != 0 || *end != '\0' || !starts_ok) {
    return Status::InvalidArgument("\"" + v + "\" is not an integer");
  }
  if (n < min || n > max) {
    return Status::InvalidArgument(v + " is outside [" + std::to_string(min) + ", " +
                                   std::to_string(max) + "]");
  }
  return static_cast<int>(n);
}

StatusOr<CommandLine> SplitCommandLine(const std::vector<Setting>& table,
                                       const std::vector<std::string>& args) {
  CommandLine out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.positional.insert(out.positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    if (name == "h" || name == "help") {
      out.help = true;
      continue;
    }
    const Setting* s = Find(table, name);
    if (s == nullptr || name.empty()) {
      return Status::InvalidArgument("unknown flag " + arg + " (see --help)");
    }
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (s->is_bool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument(FlagName(*s) + ": needs a value");
    }
    out.flags.emplace_back(name, value);
  }
  return out;
}

Status ApplyYaml(const std::vector<Setting>& table, const std::string& yaml_text,
                 const std::string& source) {
  // yaml-cpp reports errors by exception; they stop here.
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (root.IsNull()) return Status::OK();
    if (!root.IsMap()) return Status::InvalidArgument(source + ": top level must be a mapping");
    std::set<std::string> seen;
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) return Status::InvalidArgument(source + ": non-scalar key");
      const std::string key = kv.first.Scalar();
      const Setting* s = nullptr;
      for (const Setting& candidate : table) {
        if (!candidate.yaml_key.empty() && candidate.yaml_key == key) s = &candidate;
      }
      if (s == nullptr) return Status::InvalidArgument(source + ": unknown key " + key);
      if (!seen.insert(key).second) {
        return Status::InvalidArgument(source + ": key " + key + " given twice");
      }
      std::string value;
      if (kv.second.IsScalar()) {
        value = kv.second.Scalar();
      } else if (!kv.second.IsNull()) {
        return Status::InvalidArgument(source + ": key " + key + ": must be a single value");
      }
      Status st = s->set(value);
      if (!st.ok()) {
        return Status::InvalidArgument(source + ": key " + key + ": " + st.message());
      }
    }
    return Status::OK();
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": not valid YAML: " + e.what());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": " + e.what());
  }
}

StatusOr<CommandLine> ParseSettings(const std::vector<Setting>& table,
                                    const std::vector<std::string>& args,
                                    const std::string& config_flag) {
  StatusOr<CommandLine> cmd = SplitCommandLine(table, args);
  if (!cmd.ok()) return cmd.status();
  std::string config_path;
  for (const auto& [name, value] : cmd->flags) {
    if (name == config_flag) config_path = value;
  }
  if (!config_path.empty()) {
    const Setting* s = Find(table, config_flag);
    if (s != nullptr) DRACPU_RETURN_IF_ERROR(ApplyFlag(*s, config_path));
    StatusOr<std::string> text = ReadFileToString(config_path, 1 << 20);
    if (!text.ok()) return text.status().Annotate("config");
    DRACPU_RETURN_IF_ERROR(ApplyYaml(table, *text, "config " + config_path));
  }
  for (const auto& [name, value] : cmd->flags) {
    DRACPU_RETURN_IF_ERROR(ApplyFlag(*Find(table, name), value));
  }
  return cmd;
}

std::string Usage(const std::vector<Setting>& table) {
  std::string out;
  for (const Setting& s : table) {
    std::string left = "  --" + s.flag + (s.yaml_key.empty() ? "" : " (" + s.yaml_key + ")");
    if (left.size() < 40) left.resize(40, ' ');
    out += left + " " + s.help + "\n";
  }
  return out;
}

Setting StringSetting(std::string flag, std::string key, std::string* out, std::string help) {
  return Setting{std::move(flag), std::move(key), false, std::move(help),
                 [out](const std::string& v) {
                   *out = v;
                   return Status::OK();
                 }};
}

Setting NonEmptySetting(std::string flag, std::string key, std::string* out, std::string help) {
  return Setting{std::move(flag), std::move(key), false, std::move(help),
                 [out](const std::string& v) -> Status {
                   if (v.empty()) return Status::InvalidArgument("must not be empty");
                   *out = v;
                   return Status::OK();
                 }};
}

Setting BoolSetting(std::string flag, std::string key, bool* out, std::string help) {
  return Setting{std::move(flag), std::move(key), true, std::move(help),
                 [out](const std::string& v) -> Status {
                   StatusOr<bool> b = ParseBool(v);
                   if (!b.ok()) return b.status();
                   *out = *b;
                   return Status::OK();
                 }};
}

Setting IntSetting(std::string flag, std::string key, int* out, int min, int max,
                   std::string help) {
  return Setting{std::move(flag), std::move(key), false, std::move(help),
                 [out, min, max](const std::string& v) -> Status {
                   StatusOr<int> n = ParseInt(v, min, max);
                   if (!n.ok()) return n.status();
                   *out = *n;
                   return Status::OK();
                 }};
}

}  // namespace dracpu
