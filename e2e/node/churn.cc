#include "e2e/node/churn.h"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include "common/cpuset.h"
#include "driver/app/testing/driver_rig.h"

namespace dracpu::e2e {
namespace {

using web::json::value;
using Clock = std::chrono::steady_clock;

// A pod the churn is about to run, with the size each of its claims asked for.
struct PlannedPod {
  PodManifest manifest;
  std::map<std::string, int> claim_cpus;  // pod claim name -> CPUs asked
  bool oversize = false;
};

std::string Describe(const PlannedPod& p) {
  std::string text = p.manifest.name + " [";
  for (const ContainerManifest& c : p.manifest.containers) {
    text += " " + c.name;
    for (const std::string& claim : c.claims) {
      const PodClaimManifest* pc = nullptr;
      for (const PodClaimManifest& x : p.manifest.claims) pc = x.name == claim ? &x : pc;
      text += "(" + pc->template_name + ")";
    }
  }
  return text + " ]";
}

class Churn {
 public:
  Churn(WholeNode& node, const ChurnOptions& options, ChurnResult* result)
      : node_(node), options_(options), result_(result), rng_(options.seed) {}

  Status Run() {
    const auto start = Clock::now();
    DRACPU_RETURN_IF_ERROR(node_.Apply(
        ChurnTemplates(node_.options().device_mode, options_.group_cpus + kOversizeExtra)));
    StatusOr<PodRun> bystander = node_.RunPod(PodWithEnv("bystander", "app", {}));
    if (!bystander.ok() || !bystander->ok()) return Fail("start the bystander", "not running");
    DRACPU_RETURN_IF_ERROR(Check("bystander"));
    std::uniform_int_distribution<int> target_of(1, std::max(1, options_.max_alive));
    int next = 0;
    size_t target = 1;
    for (int step = 0; next < options_.pods || !alive_.empty(); ++step) {
      step_ = step;
      if (step % 10 == 0) target = target_of(rng_);
      if (next < options_.pods && (alive_.size() < target || alive_.empty())) {
        DRACPU_RETURN_IF_ERROR(Create(Plan(next++)));
      } else {
        std::uniform_int_distribution<size_t> pick(0, alive_.size() - 1);
        const size_t i = pick(rng_);
        const std::string name = alive_[i];
        alive_.erase(alive_.begin() + i);
        DRACPU_RETURN_IF_ERROR(Delete(name));
      }
    }
    // Everything gone: no claim left, the bystander back on online - reserved.
    StatusOr<AllocationState> state = node_.ReadState();
    if (!state.ok()) return state.status();
    if (!state->claims().empty()) {
      return Fail("the end", std::to_string(state->claims().size()) + " claims left in the state");
    }
    Status settled = node_.WaitForInvariants(options_.settle);
    if (!settled.ok()) return Fail("the end", settled.ToString());
    DRACPU_RETURN_IF_ERROR(node_.DeletePod("bystander"));
    result_->elapsed = Clock::now() - start;
    return Status::OK();
  }

 private:
  // Oversize claims ask for group_cpus + 1 .. group_cpus + kOversizeExtra CPUs.
  static constexpr int kOversizeExtra = 4;

  double Draw() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Size(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  // Template for a claim of `cpus`; in individual mode sometimes without the NUMA constraint.
  std::string Template(int cpus, bool any_numa_allowed) {
    const bool any =
        any_numa_allowed && node_.options().device_mode == "individual" && Draw() < 0.5;
    return (any ? "churn-any-" : "churn-") + std::to_string(cpus);
  }

  void AddClaim(PlannedPod* p, const std::string& container, const std::string& claim, int cpus,
                bool any_numa_allowed) {
    p->manifest.claims.push_back({claim, Template(cpus, any_numa_allowed), ""});
    p->manifest.containers.push_back({container, {}, {claim}});
    p->claim_cpus[claim] = cpus;
  }

  PlannedPod Plan(int index) {
    PlannedPod p;
    p.manifest.name = "churn-" + std::to_string(index);
    const double kind = Draw();
    const double no_claim = options_.no_claim_share;
    const double oversize = no_claim + options_.oversize_share;
    const double two_claims = oversize + options_.two_claim_share;
    const int max_cpus = options_.max_claim_cpus;
    if (kind < no_claim) {
      p.manifest.containers.push_back({"app", {}, {}});
      if (Draw() < 0.5) p.manifest.containers.push_back({"helper", {}, {}});
    } else if (kind < oversize) {
      p.oversize = true;
      AddClaim(&p, "app", "cpus",
               Size(options_.group_cpus + 1, options_.group_cpus + kOversizeExtra), false);
    } else if (kind < two_claims) {
      AddClaim(&p, "app", "cpus", Size(1, max_cpus), true);
      AddClaim(&p, "second", "cpus2", Size(1, max_cpus), true);
    } else {
      AddClaim(&p, "app", "cpus", Size(1, max_cpus), true);
      if (Draw() < options_.sidecar_share) p.manifest.containers.push_back({"sidecar", {}, {}});
    }
    return p;
  }

  Status Create(const PlannedPod& p) {
    const std::string what = "create " + Describe(p);
    StatusOr<PodRun> run = node_.RunPod(p.manifest);
    if (!run.ok()) return Fail(what, run.status().ToString());
    alive_.push_back(p.manifest.name);
    StatusOr<AllocationState> state = node_.ReadState();
    if (!state.ok()) return state.status();
    if (!run->claim_errors.empty()) {
      ++result_->refused;
      if (p.oversize) ++result_->refused_oversize;
      if (!run->sandbox_id.empty()) return Fail(what, "refused, yet its sandbox was created");
      for (const auto& [claim, why] : run->claim_errors) {
        if (why.empty()) return Fail(what, "claim " + claim + " refused without a reason");
        LOG(INFO) << "churn: " << what << ": claim " << claim << " refused: " << why;
      }
      bool prepare_refused = false;  // a claim allocated, then refused by the driver
      bool stranded = false;         // another claim of the pod prepared meanwhile
      for (const kubelet::ClaimRef& ref : run->claims) {
        bool refused = run->claim_errors.count("*") > 0;
        for (const PodClaimManifest& c : p.manifest.claims) {
          if (ResolvedClaimName(p.manifest, c) == ref.name)
            refused = refused || run->claim_errors.count(c.name) > 0;
        }
        const bool held = state->claims().count(ref.uid) > 0;
        if (refused && held) {
          return Fail(what, "refused claim " + ref.name + " left in the state file");
        }
        prepare_refused = prepare_refused || refused;
        stranded = stranded || held;
      }
      if (prepare_refused) ++result_->refused_at_prepare;
      if (!stranded) return Check(what);
      // A claim of the Pending pod stays prepared (the kubelet keeps it until the pod goes):
      // the invariants hold with it (shared containers may keep its CPUs until its container
      // would be created, design.md §4). The pod is then deleted, as a user would.
      DRACPU_RETURN_IF_ERROR(Check(what));
      ++result_->refused_partially;
      alive_.pop_back();
      return Delete(p.manifest.name);
    }
    if (p.oversize) return Fail(what, "a claim larger than any group was granted");
    for (const ContainerRun& c : run->containers) {
      if (c.id.empty()) return Fail(what, "container " + c.name + " refused: " + c.error);
    }
    ++result_->created;
    result_->containers += static_cast<int>(run->containers.size());
    result_->claims_prepared += static_cast<int>(run->claims.size());
    for (const ContainerManifest& c : p.manifest.containers) {
      for (const std::string& claim : c.claims) {
        const std::string uid = run->container(c.name)->claim_uids.at(0);
        auto held = state->claims().find(uid);
        const std::string cpus = held == state->claims().end() ? "" : held->second.cpus();
        StatusOr<CpuSet> set = CpuSet::Parse(cpus);
        if (!set.ok() || static_cast<int>(set->Size()) != p.claim_cpus.at(claim)) {
          return Fail(what, "claim " + claim + " asked for " +
                                std::to_string(p.claim_cpus.at(claim)) + " CPUs, holds '" + cpus +
                                "'");
        }
      }
    }
    return Check(what);
  }

  Status Delete(const std::string& name) {
    const PodRun run = node_.pods().at(name);
    const bool had_prepared = run.claim_errors.empty() && !run.claims.empty();
    const std::string what = "delete " + name;
    const auto called = Clock::now();
    Status deleted = node_.DeletePod(name);
    if (!deleted.ok()) return Fail(what, deleted.ToString());
    ++result_->deleted;
    if (had_prepared) {
      StatusOr<std::chrono::microseconds> grown = node_.WaitForSharedPool(options_.settle);
      if (!grown.ok()) return Fail(what, grown.status().ToString());
      result_->regrowth.push_back(*grown);
      result_->delete_to_grown.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - called));
    }
    StatusOr<AllocationState> state = node_.ReadState();
    if (!state.ok()) return state.status();
    for (const kubelet::ClaimRef& ref : run.claims) {
      if (state->claims().count(ref.uid)) {
        return Fail(what, "claim " + ref.name + " still in the state file");
      }
    }
    return Check(what);
  }

  Status Check(const std::string& what) {
    if (!options_.check_every_step) return Status::OK();
    Status s = node_.WaitForInvariants(options_.settle);
    return s.ok() ? s : Fail(what, s.ToString());
  }

  Status Fail(const std::string& what, const std::string& why) const {
    return Status::FailedPrecondition("churn step " + std::to_string(step_) + " (" + what +
                                      "), seed " + std::to_string(options_.seed) + ": " + why);
  }

  WholeNode& node_;
  const ChurnOptions& options_;
  ChurnResult* result_;
  std::mt19937_64 rng_;
  std::vector<std::string> alive_;  // churn pods run and not deleted yet, in creation order
  int step_ = -1;
};

double Ms(std::chrono::microseconds d) { return d.count() / 1000.0; }

}  // namespace

ChurnMachine ChurnMachineFor(const std::string& device_mode) {
  if (device_mode == "individual") return {"generated:2s2n1l8c2t", 16};
  return {"64amd64-4s2n4ca2co", 8};
}

uint64_t ChurnSeed(uint64_t fallback) {
  const char* text = std::getenv("DRACPU_CHURN_SEED");
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const unsigned long long seed = std::strtoull(text, &end, 10);
  return *end == '\0' ? seed : fallback;
}

Manifests ChurnTemplates(const std::string& device_mode, int max_cpus) {
  Manifests m;
  const bool individual = device_mode == "individual";
  for (int cpus = 1; cpus <= max_cpus; ++cpus) {
    value spec = value::object();
    spec["devices"]["requests"][0] =
        individual ? testing::IndividualRequest(cpus) : testing::GroupedRequest(cpus);
    if (individual) {
      m.templates.push_back({"churn-any-" + std::to_string(cpus), "default", spec});
      value one_numa = value::object();
      one_numa["requests"][0] = value::string("cpus");
      one_numa["matchAttribute"] = value::string("resource.kubernetes.io/numaNode");
      spec["devices"]["constraints"][0] = one_numa;
    }
    m.templates.push_back({"churn-" + std::to_string(cpus), "default", spec});
  }
  return m;
}

StatusOr<ChurnResult> RunChurn(WholeNode& node, const ChurnOptions& options) {
  ChurnResult result;
  Churn churn(node, options, &result);
  DRACPU_RETURN_IF_ERROR(churn.Run());
  return result;
}

DurationSummary Summarize(std::vector<std::chrono::microseconds> samples) {
  DurationSummary s;
  s.count = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.median_ms = n % 2 ? Ms(samples[n / 2]) : (Ms(samples[n / 2 - 1]) + Ms(samples[n / 2])) / 2;
  s.p99_ms = Ms(samples[static_cast<size_t>(std::ceil(0.99 * n)) - 1]);
  s.max_ms = Ms(samples.back());
  return s;
}

std::string FormatChurn(const ChurnResult& r) {
  const DurationSummary g = Summarize(r.regrowth);
  const DurationSummary d = Summarize(r.delete_to_grown);
  const double seconds = std::chrono::duration<double>(r.elapsed).count();
  const int pods = r.created + r.refused;
  char text[768];
  std::snprintf(text, sizeof text,
                "pods %d (ran %d, refused %d of which oversize %d, at prepare %d, partially "
                "%d), claims "
                "prepared %d, "
                "containers %d, %.1f s, %.1f pods/s; shared pool regrowth (%zu unprepares) "
                "after DeletePod returned: median %.2f ms, p99 %.2f ms, max %.2f ms; since "
                "DeletePod was called: median %.2f ms, p99 %.2f ms, max %.2f ms",
                pods, r.created, r.refused, r.refused_oversize, r.refused_at_prepare,
                r.refused_partially, r.claims_prepared, r.containers, seconds,
                seconds > 0 ? pods / seconds : 0.0, g.count, g.median_ms, g.p99_ms, g.max_ms,
                d.median_ms, d.p99_ms, d.max_ms);
  return text;
}

}  // namespace dracpu::e2e
