#include "driver/core/slice_plan.h"

#include <algorithm>
#include <map>

#include "driver/core/json_util.h"
#include "driver/core/resource_slices.h"

namespace dracpu {

namespace {

struct ExistingSlice {
  web::json::value object;  // v1 shape
  SliceDelete id;
  std::string pool;
  int64_t generation = 0;
};

StatusOr<ExistingSlice> ReadExisting(const web::json::value& raw, ResourceApiVersion version) {
  StatusOr<web::json::value> v1 = SliceToV1(raw, version);
  if (!v1.ok()) return v1.status();
  ExistingSlice e;
  e.object = std::move(v1).value();
  const web::json::value* metadata = JsonField(e.object, "metadata");
  std::optional<std::string> name = metadata ? JsonString(*metadata, "name") : std::nullopt;
  if (!name || name->empty()) {
    return Status::InvalidArgument("existing ResourceSlice without metadata.name");
  }
  e.id.name = *name;
  e.id.uid = JsonString(*metadata, "uid").value_or("");
  e.id.resource_version = JsonString(*metadata, "resourceVersion").value_or("");
  const web::json::value* pool = JsonPath(e.object, {"spec", "pool"});
  std::optional<std::string> pool_name = pool ? JsonString(*pool, "name") : std::nullopt;
  if (!pool_name) {
    return Status::InvalidArgument("ResourceSlice " + e.id.name + " has no spec.pool.name");
  }
  e.pool = *pool_name;
  e.generation = JsonInt(*pool, "generation").value_or(0);
  return e;
}

web::json::value WithPool(const web::json::value& spec, const std::string& pool_name,
                          int64_t generation, size_t slice_count) {
  web::json::value out = spec;
  web::json::value pool = web::json::value::object();
  pool["name"] = web::json::value::string(pool_name);
  pool["generation"] = web::json::value::number(generation);
  pool["resourceSliceCount"] = web::json::value::number(static_cast<int64_t>(slice_count));
  out["pool"] = std::move(pool);
  return out;
}

}  // namespace

StatusOr<SliceSyncPlan> PlanSliceSync(const SliceSyncInput& input) {
  SliceSyncPlan plan;
  std::vector<ExistingSlice> ours;
  for (const web::json::value& raw : input.existing) {
    StatusOr<ExistingSlice> e = ReadExisting(raw, input.version);
    if (!e.ok()) return e.status();
    if (e->pool != input.pool_name) {
      plan.deletes.push_back(e->id);  // a pool this driver no longer publishes
    } else {
      ours.push_back(std::move(e).value());
    }
  }
  // Deterministic matching when two slices claim one index: the first by name wins.
  std::sort(ours.begin(), ours.end(),
            [](const ExistingSlice& a, const ExistingSlice& b) { return a.id.name < b.id.name; });

  int64_t current = 0;
  for (const ExistingSlice& e : ours) current = std::max(current, e.generation);

  const size_t count = input.desired.size();
  std::map<size_t, const ExistingSlice*> matched;
  for (const ExistingSlice& e : ours) {
    std::optional<size_t> index = SliceIndexFromName(e.id.name);
    if (e.generation < current || !index || *index >= count || matched.count(*index)) {
      plan.deletes.push_back(e.id);
    } else {
      matched[*index] = &e;
    }
  }

  size_t changed = 0;
  std::vector<bool> is_changed(count, false);
  for (const auto& [index, e] : matched) {
    const web::json::value* desired_spec = JsonField(input.desired[index], "spec");
    const web::json::value* existing_spec = JsonField(e->object, "spec");
    web::json::value want = WithPool(desired_spec ? *desired_spec : web::json::value::object(),
                                     input.pool_name, current, count);
    const web::json::value* want_owners =
        JsonPath(input.desired[index], {"metadata", "ownerReferences"});
    const web::json::value* have_owners = JsonPath(e->object, {"metadata", "ownerReferences"});
    const bool owners_differ = want_owners != nullptr &&
                               (have_owners == nullptr || !JsonEqual(*have_owners, *want_owners));
    if (existing_spec == nullptr || !JsonEqual(*existing_spec, want) || owners_differ) {
      is_changed[index] = true;
      ++changed;
    }
  }
  const size_t new_slices = count - matched.size();

  bool bumped = true;
  if (input.requested_generation > current) {
    plan.generation = input.requested_generation;
  } else if (new_slices == 0 && changed <= 1) {
    plan.generation = current;
    bumped = false;
  } else {
    plan.generation = current + 1;
  }

  for (size_t i = 0; i < count; ++i) {
    const web::json::value* spec = JsonField(input.desired[i], "spec");
    web::json::value new_spec = WithPool(spec ? *spec : web::json::value::object(), input.pool_name,
                                         plan.generation, count);
    auto it = matched.find(i);
    if (it == matched.end()) {
      web::json::value object = input.desired[i];
      object["spec"] = std::move(new_spec);
      plan.creates.push_back(SliceFromV1(object, input.version));
    } else if (is_changed[i] || bumped) {
      web::json::value object = it->second->object;
      object["spec"] = std::move(new_spec);
      if (const web::json::value* owners =
              JsonPath(input.desired[i], {"metadata", "ownerReferences"})) {
        object["metadata"]["ownerReferences"] = *owners;
      }
      plan.updates.push_back(SliceFromV1(object, input.version));
    }
  }
  return plan;
}

bool ServerKeptSliceSpec(const web::json::value& sent, const web::json::value& returned,
                         ResourceApiVersion version) {
  StatusOr<web::json::value> a = SliceToV1(sent, version);
  StatusOr<web::json::value> b = SliceToV1(returned, version);
  if (!a.ok() || !b.ok()) return false;
  const web::json::value* sent_spec = JsonField(*a, "spec");
  const web::json::value* returned_spec = JsonField(*b, "spec");
  return sent_spec != nullptr && returned_spec != nullptr && JsonEqual(*sent_spec, *returned_spec);
}

}  // namespace dracpu
