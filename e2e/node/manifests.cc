#include "e2e/node/manifests.h"

#include <set>
#include <utility>

#include "e2e/node/yaml_json.h"

namespace dracpu::e2e {
namespace {

using web::json::value;

constexpr char kResourceApiVersion[] = "resource.k8s.io/v1";

// obj[key], or nullptr when `obj` is not an object, lacks the key or holds null there.
const value* Field(const value& obj, const std::string& key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.as_object().find(key);
  if (it == obj.as_object().end() || it->second.is_null()) return nullptr;
  return &it->second;
}

// obj[key] as a string; "" when absent. A present non-string is an error.
Status GetString(const value& obj, const std::string& key, std::string* out) {
  out->clear();
  const value* v = Field(obj, key);
  if (v == nullptr) return Status::OK();
  if (!v->is_string()) return Status::InvalidArgument(key + " is not a string");
  *out = v->as_string();
  return Status::OK();
}

// obj[key] as a list; empty when absent. A present non-list is an error.
Status GetList(const value& obj, const std::string& key, std::vector<const value*>* out) {
  out->clear();
  const value* v = Field(obj, key);
  if (v == nullptr) return Status::OK();
  if (!v->is_array()) return Status::InvalidArgument(key + " is not a list");
  for (const value& item : v->as_array()) out->push_back(&item);
  return Status::OK();
}

// The "<kind>/<name>" label errors and notes name an object by.
std::string Label(const std::string& kind, const std::string& name) {
  return kind + "/" + (name.empty() ? "<no name>" : name);
}

struct ObjectMeta {
  std::string kind;
  std::string name;
  std::string ns;
};

Status ParseContainer(const value& item, const std::set<std::string>& pod_claims,
                      ContainerManifest* c, std::vector<std::string>* notes) {
  DRACPU_RETURN_IF_ERROR(GetString(item, "name", &c->name));
  if (c->name.empty()) return Status::InvalidArgument("a container has no name");
  std::vector<const value*> env, claims;
  DRACPU_RETURN_IF_ERROR(GetList(item, "env", &env).Annotate("container " + c->name));
  for (const value* e : env) {
    std::string name, val;
    DRACPU_RETURN_IF_ERROR(GetString(*e, "name", &name).Annotate("container " + c->name + " env"));
    DRACPU_RETURN_IF_ERROR(GetString(*e, "value", &val).Annotate("container " + c->name + " env"));
    if (name.empty()) return Status::InvalidArgument("container " + c->name + ": env without name");
    if (Field(*e, "valueFrom") != nullptr) {
      notes->push_back("container " + c->name + " env " + name + ": valueFrom not supported");
      continue;
    }
    c->env.push_back(name + "=" + val);
  }
  const value* resources = Field(item, "resources");
  if (resources != nullptr) {
    DRACPU_RETURN_IF_ERROR(
        GetList(*resources, "claims", &claims).Annotate("container " + c->name + " resources"));
  }
  for (const value* claim : claims) {
    std::string name;
    DRACPU_RETURN_IF_ERROR(
        GetString(*claim, "name", &name).Annotate("container " + c->name + " resources.claims"));
    if (pod_claims.count(name) == 0) {
      return Status::InvalidArgument("container " + c->name + " uses claim \"" + name +
                                     "\" that spec.resourceClaims does not declare");
    }
    c->claims.push_back(name);
  }
  return Status::OK();
}

Status ParsePod(const value& doc, const ObjectMeta& meta, PodManifest* pod,
                std::vector<std::string>* notes) {
  pod->name = meta.name;
  pod->ns = meta.ns;
  const value* spec = Field(doc, "spec");
  if (spec == nullptr) return Status::InvalidArgument("no spec");
  std::vector<const value*> claims, inits, containers;
  DRACPU_RETURN_IF_ERROR(GetList(*spec, "resourceClaims", &claims).Annotate("spec"));
  DRACPU_RETURN_IF_ERROR(GetList(*spec, "initContainers", &inits).Annotate("spec"));
  DRACPU_RETURN_IF_ERROR(GetList(*spec, "containers", &containers).Annotate("spec"));
  std::set<std::string> claim_names;
  for (const value* item : claims) {
    PodClaimManifest c;
    DRACPU_RETURN_IF_ERROR(GetString(*item, "name", &c.name).Annotate("spec.resourceClaims"));
    if (c.name.empty()) return Status::InvalidArgument("a spec.resourceClaims entry has no name");
    DRACPU_RETURN_IF_ERROR(GetString(*item, "resourceClaimTemplateName", &c.template_name)
                               .Annotate("resourceClaims " + c.name));
    DRACPU_RETURN_IF_ERROR(
        GetString(*item, "resourceClaimName", &c.claim_name).Annotate("resourceClaims " + c.name));
    if (c.template_name.empty() == c.claim_name.empty()) {
      return Status::InvalidArgument("resourceClaims " + c.name +
                                     ": needs exactly one of resourceClaimTemplateName and "
                                     "resourceClaimName");
    }
    if (!claim_names.insert(c.name).second) {
      return Status::AlreadyExists("two spec.resourceClaims named " + c.name);
    }
    pod->claims.push_back(std::move(c));
  }
  if (containers.empty()) return Status::InvalidArgument("spec.containers is empty");
  std::set<std::string> container_names;
  for (auto [list, out] :
       {std::pair{&inits, &pod->init_containers}, std::pair{&containers, &pod->containers}}) {
    for (const value* item : *list) {
      ContainerManifest c;
      DRACPU_RETURN_IF_ERROR(ParseContainer(*item, claim_names, &c, notes));
      if (!container_names.insert(c.name).second) {
        return Status::AlreadyExists("two containers named " + c.name);
      }
      out->push_back(std::move(c));
    }
  }
  return Status::OK();
}

// Reads one document into `m`. `notes` collects remarks about parts skipped.
Status ParseDocument(const value& doc, Manifests* m, std::vector<std::string>* notes,
                     ObjectMeta* meta) {
  if (!doc.is_object()) return Status::InvalidArgument("not a map");
  std::string api_version;
  DRACPU_RETURN_IF_ERROR(GetString(doc, "apiVersion", &api_version));
  DRACPU_RETURN_IF_ERROR(GetString(doc, "kind", &meta->kind));
  if (api_version.empty() || meta->kind.empty()) {
    return Status::InvalidArgument("apiVersion or kind missing");
  }
  const value* metadata = Field(doc, "metadata");
  if (metadata != nullptr) {
    DRACPU_RETURN_IF_ERROR(GetString(*metadata, "name", &meta->name).Annotate("metadata"));
    DRACPU_RETURN_IF_ERROR(GetString(*metadata, "namespace", &meta->ns).Annotate("metadata"));
  }
  if (meta->ns.empty()) meta->ns = "default";

  const std::string& kind = meta->kind;
  bool resource_kind =
      kind == "DeviceClass" || kind == "ResourceClaimTemplate" || kind == "ResourceClaim";
  std::string want_version = resource_kind ? kResourceApiVersion : kind == "Pod" ? "v1" : "";
  if (want_version.empty()) {
    m->ignored.push_back(Label(kind, meta->name) + ": kind not understood");
    return Status::OK();
  }
  if (api_version != want_version) {
    return Status::InvalidArgument("apiVersion " + api_version + " not supported (only " +
                                   want_version + ")");
  }
  if (meta->name.empty()) return Status::InvalidArgument("metadata.name missing");

  if (kind == "DeviceClass") {
    m->device_classes.push_back(doc);
  } else if (kind == "Pod") {
    PodManifest pod;
    DRACPU_RETURN_IF_ERROR(ParsePod(doc, *meta, &pod, notes));
    m->pods.push_back(std::move(pod));
  } else {
    bool is_template = kind == "ResourceClaimTemplate";
    const value* spec = Field(doc, "spec");
    if (spec != nullptr && is_template) spec = Field(*spec, "spec");
    if (spec == nullptr || !spec->is_object()) {
      return Status::InvalidArgument(is_template ? "spec.spec missing" : "spec missing");
    }
    (is_template ? m->templates : m->claims).push_back({meta->name, meta->ns, *spec});
  }
  return Status::OK();
}

// AlreadyExists when two objects of one kind share a namespace/name.
Status CheckUnique(const Manifests& m) {
  std::set<std::string> seen;
  auto add = [&seen](const std::string& kind, const std::string& ns,
                     const std::string& name) -> Status {
    if (seen.insert(kind + "\n" + ns + "\n" + name).second) return Status::OK();
    return Status::AlreadyExists(kind + " " + (ns.empty() ? "" : ns + "/") + name +
                                 " defined twice");
  };
  for (const auto& t : m.templates)
    DRACPU_RETURN_IF_ERROR(add("ResourceClaimTemplate", t.ns, t.name));
  for (const auto& c : m.claims) DRACPU_RETURN_IF_ERROR(add("ResourceClaim", c.ns, c.name));
  for (const auto& p : m.pods) DRACPU_RETURN_IF_ERROR(add("Pod", p.ns, p.name));
  for (const auto& d : m.device_classes) {
    DRACPU_RETURN_IF_ERROR(add("DeviceClass", "", d.at("metadata").at("name").as_string()));
  }
  return Status::OK();
}

template <typename T>
void Append(std::vector<T>* into, std::vector<T>* more) {
  for (T& item : *more) into->push_back(std::move(item));
}

}  // namespace

StatusOr<Manifests> ParseManifests(const std::string& yaml_text) {
  StatusOr<std::vector<value>> docs = YamlDocumentsToJson(yaml_text);
  if (!docs.ok()) return docs.status();
  Manifests m;
  for (size_t i = 0; i < docs->size(); ++i) {
    ObjectMeta meta;
    std::vector<std::string> notes;
    Status s = ParseDocument((*docs)[i], &m, &notes, &meta);
    std::string where = "document " + std::to_string(i + 1);
    if (!meta.kind.empty()) where += " (" + Label(meta.kind, meta.name) + ")";
    if (!s.ok()) return s.Annotate(where);
    for (const std::string& note : notes)
      m.ignored.push_back(Label(meta.kind, meta.name) + ": " + note);
  }
  DRACPU_RETURN_IF_ERROR(CheckUnique(m));
  return m;
}

Status MergeManifests(Manifests* into, Manifests more) {
  Manifests merged = *into;
  Append(&merged.templates, &more.templates);
  Append(&merged.claims, &more.claims);
  Append(&merged.pods, &more.pods);
  Append(&merged.device_classes, &more.device_classes);
  Append(&merged.ignored, &more.ignored);
  DRACPU_RETURN_IF_ERROR(CheckUnique(merged));
  *into = std::move(merged);
  return Status::OK();
}

PodManifest PodWithEnv(const std::string& name, const std::string& container,
                       std::vector<std::string> env) {
  PodManifest pod;
  pod.name = name;
  ContainerManifest c;
  c.name = container;
  c.env = std::move(env);
  pod.containers.push_back(std::move(c));
  return pod;
}

std::string ResolvedClaimName(const PodManifest& pod, const PodClaimManifest& c) {
  return c.template_name.empty() ? c.claim_name : pod.name + "-" + c.name;
}

StatusOr<web::json::value> ClaimFromTemplate(const Manifests& m, const PodManifest& pod,
                                             const PodClaimManifest& c) {
  if (c.template_name.empty()) {
    return Status::InvalidArgument("pod " + pod.ns + "/" + pod.name + " claim " + c.name +
                                   " names ResourceClaim " + c.claim_name + ", not a template");
  }
  for (const ClaimSpecManifest& t : m.templates) {
    if (t.ns != pod.ns || t.name != c.template_name) continue;
    value claim = value::object(/*keep_order=*/true);
    claim["apiVersion"] = value::string(kResourceApiVersion);
    claim["kind"] = value::string("ResourceClaim");
    value& metadata = claim["metadata"] = value::object(/*keep_order=*/true);
    metadata["name"] = value::string(ResolvedClaimName(pod, c));
    metadata["namespace"] = value::string(pod.ns);
    metadata["annotations"]["resource.kubernetes.io/pod-claim-name"] = value::string(c.name);
    claim["spec"] = t.spec;
    return claim;
  }
  return Status::NotFound("ResourceClaimTemplate " + pod.ns + "/" + c.template_name + " (pod " +
                          pod.name + " claim " + c.name + ") not in the manifests");
}

}  // namespace dracpu::e2e
