// Settings that come from a YAML config file and from command-line flags, one table for both.
//
// A binary describes each setting once (Setting: flag name, YAML key, parser/validator) and
// ParseSettings fills its config struct:
//   1. argv is split into flags and positional arguments (unknown flags refused);
//   2. if --config PATH was given, the YAML file is applied (unknown keys refused);
//   3. the flags are applied, so a flag always wins over the file.
// Every error names the flag or key and where it came from:
//   "config /etc/dracpu.yaml: key reservedCPUs: InvalidArgument: cpulist \"0-x\": ..."
//   "flag --reserved-cpus: ..."
//
// Command-line forms (as Go's flag package, which the upstream driver's users know):
//   --name=value  --name value  -name=value  -name value
//   bool settings: --name alone means true; --name=true|false (also 1/0, t/f, TRUE/FALSE, ...);
//   "--name false" is NOT a bool form (the "false" would be positional).
//   "--" ends the flags; -h, -help, --help ask for Usage().
// YAML: one mapping at the top level whose keys are the settings' yaml keys and whose values are
// scalars; a key given twice is refused. An empty file sets nothing.

#ifndef DRACPU_COMMON_FLAGS_H_
#define DRACPU_COMMON_FLAGS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dracpu {

struct Setting {
  std::string flag;      // without dashes: "reserved-cpus"
  std::string yaml_key;  // "reservedCPUs"; empty = flag only (e.g. "config" itself)
  bool is_bool = false;
  std::string help;
  // Parses `value` and stores it. The message of an error need not name the setting.
  std::function<Status(const std::string& value)> set;
};

struct CommandLine {
  std::vector<std::pair<std::string, std::string>> flags;  // (flag name, value), in order
  std::vector<std::string> positional;
  bool help = false;
};

// Step 1 alone. `args` excludes argv[0].
StatusOr<CommandLine> SplitCommandLine(const std::vector<Setting>& table,
                                       const std::vector<std::string>& args);

// Step 2 alone: applies the YAML text; `source` names it in errors.
Status ApplyYaml(const std::vector<Setting>& table, const std::string& yaml_text,
                 const std::string& source);

// Steps 1-3. `config_flag` names the setting holding the config file path ("config"); it is
// applied first so the file is read before the other flags override it. Positional arguments
// are returned in the result (the caller validates them).
StatusOr<CommandLine> ParseSettings(const std::vector<Setting>& table,
                                    const std::vector<std::string>& args,
                                    const std::string& config_flag);

// One line per setting: "  --reserved-cpus (reservedCPUs)  help".
std::string Usage(const std::vector<Setting>& table);

// Parsers shared by setting tables. Each returns InvalidArgument naming the bad value.
StatusOr<bool> ParseBool(const std::string& value);
StatusOr<int> ParseInt(const std::string& value, int min, int max);

// Setting makers for the common kinds.
Setting StringSetting(std::string flag, std::string key, std::string* out, std::string help);
// Like StringSetting but refuses an empty value.
Setting NonEmptySetting(std::string flag, std::string key, std::string* out, std::string help);
Setting BoolSetting(std::string flag, std::string key, bool* out, std::string help);
Setting IntSetting(std::string flag, std::string key, int* out, int min, int max, std::string help);

// One of a fixed set of names, stored as an enum value.
template <typename E>
Setting EnumSetting(std::string flag, std::string key, E* out,
                    std::vector<std::pair<std::string, E>> names, std::string help) {
  std::string choices;
  for (const auto& [name, value] : names) choices += (choices.empty() ? "" : "|") + name;
  return Setting{std::move(flag), std::move(key), false, help + " (" + choices + ")",
                 [out, names, choices](const std::string& v) -> Status {
                   for (const auto& [name, value] : names) {
                     if (v == name) {
                       *out = value;
                       return Status::OK();
                     }
                   }
                   return Status::InvalidArgument("\"" + v + "\" is not one of " + choices);
                 }};
}

}  // namespace dracpu

#endif  // DRACPU_COMMON_FLAGS_H_
