#include "common/testing/topology_fixtures.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace dracpu::testing {

namespace fs = std::filesystem;

std::vector<std::string> FixtureNames(const std::string& topologies_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  const std::string suffix = ".tar.bz2";
  for (const auto& entry : fs::directory_iterator(topologies_dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.size() > suffix.size() && file.substr(file.size() - suffix.size()) == suffix) {
      names.push_back(file.substr(0, file.size() - suffix.size()));
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

StatusOr<ExtractedFixture> ExtractFixture(const std::string& topologies_dir,
                                          const std::string& name) {
  const std::string tarball = topologies_dir + "/" + name + ".tar.bz2";
  if (!fs::exists(tarball)) return Status::NotFound("fixture " + tarball);
  ExtractedFixture out;
  out.dir = std::make_unique<TempDir>("dracpu-topo");
  pid_t pid = ::fork();
  if (pid < 0) return Status::Internal("fork failed");
  if (pid == 0) {
    ::execlp("tar", "tar", "-xjf", tarball.c_str(), "-C", out.dir->path().c_str(), nullptr);
    ::_exit(127);
  }
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return Status::Internal("waitpid failed");
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::Internal("tar -xjf " + tarball + " failed");
  }
  std::vector<fs::path> tops;
  for (const auto& entry : fs::directory_iterator(out.dir->path())) {
    if (entry.is_directory()) tops.push_back(entry.path());
  }
  if (tops.size() != 1) return Status::Corruption(tarball + ": expected one top folder");
  out.sys_root = (tops[0] / "sys").string();
  out.proc_root = (tops[0] / "proc").string();
  return out;
}

StatusOr<CpuSet> ParseHwlocBitmap(const std::string& text) {
  // hwloc writes 32-bit words, most significant first, each with its own "0x".
  std::string mask;
  std::stringstream in(text);
  std::string word;
  while (std::getline(in, word, ',')) {
    if (word.rfind("0x", 0) == 0) word = word.substr(2);
    if (word.empty() || word.find("...") != std::string::npos) {
      return Status::InvalidArgument("hwloc bitmap \"" + text + "\" is not a finite mask");
    }
    if (!mask.empty()) mask += ',';
    mask += word;
  }
  return CpuSet::ParseMask(mask);
}

namespace {

struct Node {
  std::string type;
  int os_index = -1;
  int parent = -1;
  CpuSet cpus;
};

void AddObject(HwlocKey* key, const std::string& type, int os_index, const CpuSet& cpus) {
  HwlocObject obj{os_index, cpus};
  if (type == "Package") key->packages.push_back(obj);
  if (type == "NUMANode") key->numa_nodes.push_back(obj);
  if (type == "L3Cache") key->l3_caches.push_back(obj);
  if (type == "Core") key->cores.push_back(obj);
  if (type == "PU") key->pus.push_back(obj);
}

}  // namespace

StatusOr<HwlocKey> ParseLstopoConsole(const std::string& text) {
  static const std::regex object_re(R"(^( *)([A-Za-z][A-Za-z0-9]*)(?: L#\d+)?(?: \((.*)\))?$)");
  static const std::regex os_index_re(R"(^P#(\d+))");
  static const std::regex hidden_re(R"(processors not represented in topology: (\S+))");
  static const std::regex kind_re(R"(^CPU kind #\d+ efficiency (\d+) cpuset (\S+))");
  HwlocKey key;
  std::vector<Node> nodes;
  std::vector<std::pair<size_t, int>> stack;  // (indent, node)
  bool in_tree = false, tree_done = false;
  std::stringstream in(text);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!tree_done && std::regex_match(line, m, object_re) &&
        (in_tree || m[2].str() == "Machine")) {
      in_tree = true;
      Node node;
      node.type = m[2].str();
      std::smatch idx;
      std::string attrs = m[3].str();
      if (std::regex_search(attrs, idx, os_index_re)) node.os_index = std::stoi(idx[1].str());
      size_t indent = m[1].length();
      while (!stack.empty() && stack.back().first >= indent) stack.pop_back();
      node.parent = stack.empty() ? -1 : stack.back().second;
      if (node.type == "PU") {
        if (node.os_index < 0) return Status::Corruption("lstopo PU without P#: " + line);
        node.cpus.Add(node.os_index);
        for (int a = node.parent; a >= 0; a = nodes[a].parent) nodes[a].cpus.Add(node.os_index);
      }
      stack.emplace_back(indent, static_cast<int>(nodes.size()));
      nodes.push_back(node);
      continue;
    }
    if (in_tree) tree_done = true;
    if (std::regex_search(line, m, hidden_re)) {
      auto hidden = ParseHwlocBitmap(m[1].str());
      if (!hidden.ok()) return hidden.status();
      key.machine |= *hidden;
    } else if (std::regex_search(line, m, kind_re)) {
      auto cpus = ParseHwlocBitmap(m[2].str());
      if (!cpus.ok()) return cpus.status();
      key.cpu_kinds.push_back({std::stoi(m[1].str()), *cpus});
    }
  }
  if (nodes.empty()) return Status::Corruption("lstopo text without a Machine line");
  for (const Node& n : nodes) {
    // A NUMA node is a memory child: it covers the CPUs of the object it hangs from.
    const CpuSet& cpus = n.type == "NUMANode" && n.parent >= 0 ? nodes[n.parent].cpus : n.cpus;
    AddObject(&key, n.type, n.os_index, cpus);
  }
  key.allowed = nodes[0].cpus;
  key.machine |= nodes[0].cpus;
  return key;
}

StatusOr<HwlocKey> ParseHwlocXml(const std::string& text) {
  static const std::regex tag_re(R"(<(object|cpukind)\s([^>]*)>)");
  static const std::regex attr_re(R"re((\w+)="([^"]*)")re");
  HwlocKey key;
  bool have_machine = false;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), tag_re);
       it != std::sregex_iterator(); ++it) {
    std::map<std::string, std::string> attrs;
    const std::string body = (*it)[2].str();
    for (auto a = std::sregex_iterator(body.begin(), body.end(), attr_re);
         a != std::sregex_iterator(); ++a) {
      attrs[(*a)[1].str()] = (*a)[2].str();
    }
    auto bitmap = [&](const char* name) -> StatusOr<CpuSet> {
      auto found = attrs.find(name);
      if (found == attrs.end()) return CpuSet{};
      return ParseHwlocBitmap(found->second);
    };
    if ((*it)[1].str() == "cpukind") {
      auto cpus = bitmap("cpuset");
      if (!cpus.ok()) return cpus.status();
      int efficiency = attrs.count("forced_efficiency") ? std::stoi(attrs["forced_efficiency"])
                                                        : static_cast<int>(key.cpu_kinds.size());
      key.cpu_kinds.push_back({efficiency, *cpus});
      continue;
    }
    auto complete = bitmap(attrs.count("complete_cpuset") ? "complete_cpuset" : "cpuset");
    if (!complete.ok()) return complete.status();
    const std::string type = attrs["type"];
    int os_index = attrs.count("os_index") ? std::stoi(attrs["os_index"]) : -1;
    if (type == "Machine") {
      auto allowed = bitmap(attrs.count("allowed_cpuset") ? "allowed_cpuset" : "cpuset");
      if (!allowed.ok()) return allowed.status();
      key.machine = *complete;
      key.allowed = *allowed;
      have_machine = true;
    }
    AddObject(&key, type, os_index, *complete);
  }
  if (!have_machine) return Status::Corruption("hwloc XML without a Machine object");
  return key;
}

StatusOr<HwlocKey> LoadHwlocKey(const std::string& topologies_dir, const std::string& name) {
  for (const char* ext : {".console", ".xml"}) {
    std::ifstream in(topologies_dir + "/" + name + ext, std::ios::binary);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    return std::string(ext) == ".console" ? ParseLstopoConsole(text.str())
                                          : ParseHwlocXml(text.str());
  }
  return Status::NotFound("no hwloc answer key (.console or .xml) for " + name);
}

}  // namespace dracpu::testing
