#include "driver/app/claim_preparation.h"

#include <glog/logging.h>

#include <chrono>
#include <ctime>
#include <utility>

#include "driver/app/device_records.h"
#include "driver/core/cdi.h"
#include "driver/core/claim_allocation.h"

namespace dracpu::driver {
namespace {

using StateClaim = ::dracpu::state::v1::ClaimAllocation;
using Clock = std::chrono::steady_clock;

std::string Rfc3339Now() {
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string Label(const kubelet::ClaimRef& claim) {
  return "claim " + claim.namespace_ + "/" + claim.name + " uid=" + claim.uid;
}

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Union of the CPUs of every claim in `state` except `uid`.
StatusOr<CpuSet> HeldByOthers(const AllocationState& state, const std::string& uid) {
  CpuSet held;
  for (const auto& [other, claim] : state.claims()) {
    if (other == uid) continue;
    StatusOr<CpuSet> cpus = CpuSet::Parse(claim.cpus());
    if (!cpus.ok()) return cpus.status().Annotate("state file claim " + other);
    held |= *cpus;
  }
  return held;
}

// The CPUs of a claim rebuilt from its CDI file (Prepared, no devices): they may be in use by
// a running container, so they are kept rather than resolved again. NotFound otherwise.
StatusOr<CpuSet> KeptCpus(const AllocationState& state, const std::string& uid) {
  auto it = state.claims().find(uid);
  if (it == state.claims().end() || it->second.phase() != StateClaim::PREPARED) {
    return Status::NotFound(uid);
  }
  return CpuSet::Parse(it->second.cpus());
}

}  // namespace

struct ClaimPreparation::Prepared {
  CpuSet cpus;
  std::vector<std::string> pod_uids;
  std::vector<kubelet::PreparedDevice> devices;
  bool from_state = false;
};

Status WithUserReason(const Status& status) {
  const std::string& m = status.message();
  const char* reason = nullptr;
  if (status.code() == Status::Code::kResourceExhausted) {
    reason = "group exhausted";
  } else if (status.code() == Status::Code::kFailedPrecondition) {
    if (m.find("already exclusive") != std::string::npos) reason = "CPUs already exclusive";
    if (m.find("would leave no CPU") != std::string::npos) {
      reason = "would leave the shared pool empty";
    }
  }
  if (reason == nullptr) return status;
  std::string message = std::string(reason) + ": " + m;
  return status.code() == Status::Code::kResourceExhausted
             ? Status::ResourceExhausted(std::move(message))
             : Status::FailedPrecondition(std::move(message));
}

ClaimPreparation::ClaimPreparation(ClaimPreparationOptions options)
    : options_(std::move(options)) {}

StatusOr<kubelet::PrepareResult> ClaimPreparation::Prepare(const kubelet::ClaimRef& claim) {
  const Clock::time_point start = Clock::now();
  Clock::duration api_time{};  // the part spent waiting for the API server, logged apart
  StatusOr<Prepared> prepared = DoPrepare(claim, &api_time);
  if (!prepared.ok() && Recovered(prepared.status())) prepared = DoPrepare(claim, &api_time);
  const Clock::duration took = Clock::now() - start;
  if (options_.metrics != nullptr) {
    options_.metrics->ObservePrepare(std::chrono::duration<double>(took).count(),
                                     prepared.status());
  }
  if (!prepared.ok()) {
    LOG(WARNING) << "prepare failed: " << Label(claim) << ": " << prepared.status().message();
    return prepared.status();
  }
  const std::string pods = Join(prepared->pod_uids);
  const std::string cpus = prepared->cpus.ToString();
  LOG(INFO) << "prepared claim " << claim.namespace_ << "/" << claim.name << " uid=" << claim.uid
            << " pods=" << pods << " cpus=" << cpus << " latency=" << Millis(took)
            << "ms api=" << Millis(api_time) << "ms"
            << (prepared->from_state ? " (already prepared)" : "");
  kubelet::PrepareResult result;
  result.devices = std::move(prepared->devices);
  result.log_detail = "cpus=" + cpus + " pods=" + pods;
  return result;
}

StatusOr<ClaimPreparation::Prepared> ClaimPreparation::FromState(const kubelet::ClaimRef& ref) {
  Prepared out;
  out.from_state = true;
  bool loaded = false;
  Status found = options_.store->View([&](const AllocationState& state) -> Status {
    loaded = true;
    auto it = state.claims().find(ref.uid);
    // A claim rebuilt from its CDI file after a corrupt state file has no devices: it is read
    // from the API again, keeping its CPUs (DoPrepare).
    if (it == state.claims().end() || it->second.phase() != StateClaim::PREPARED ||
        it->second.devices_size() == 0) {
      return Status::NotFound("not prepared");
    }
    const StateClaim& entry = it->second;
    StatusOr<CpuSet> cpus = CpuSet::Parse(entry.cpus());
    if (!cpus.ok()) return cpus.status().Annotate("state file claim " + ref.uid);
    out.cpus = *cpus;
    out.pod_uids.assign(entry.pod_uids().begin(), entry.pod_uids().end());
    StatusOr<std::vector<kubelet::PreparedDevice>> devices = DecodeDeviceRecords(
        std::vector<std::string>(entry.devices().begin(), entry.devices().end()), ref.uid);
    if (!devices.ok()) return devices.status();
    out.devices = std::move(*devices);
    return Status::OK();
  });
  // Load errors (Corruption included, which Prepare recovers from) keep their code.
  if (!found.ok()) return loaded ? found : found.Annotate("reading the state file");
  // The runtime needs the file; someone may have cleaned the folder since.
  StatusOr<CpuSet> on_disk = cdi::ReadSpec(options_.cdi_dir, ref.uid);
  if (!on_disk.ok() || *on_disk != out.cpus) {
    DRACPU_RETURN_IF_ERROR(cdi::WriteSpec(options_.cdi_dir, ref.uid, out.cpus));
    LOG(WARNING) << "rewrote missing or stale CDI spec of " << Label(ref);
  }
  return out;
}

StatusOr<ClaimPreparation::Prepared> ClaimPreparation::DoPrepare(const kubelet::ClaimRef& ref,
                                                                 Clock::duration* api_time) {
  DRACPU_RETURN_IF_ERROR(cdi::ValidateClaimUid(ref.uid));
  StatusOr<Prepared> known = FromState(ref);
  if (known.ok() || known.status().code() != Status::Code::kNotFound) return known;

  // The API call happens before any lock is taken (state_store.h).
  const Clock::time_point asked = Clock::now();
  StatusOr<web::json::value> object = options_.fetch_claim(ref.namespace_, ref.name);
  *api_time += Clock::now() - asked;
  if (!object.ok()) return object.status().Annotate("reading the ResourceClaim");
  StatusOr<AllocatedClaim> claim = ParseClaimAllocation(*object);
  if (!claim.ok()) return claim.status();
  if (claim->uid != ref.uid) {
    return Status::FailedPrecondition(
        "claim UID mismatch: the API server's " + ref.namespace_ + "/" + ref.name + " has uid " +
        claim->uid + ", the kubelet asked for " + ref.uid +
        " (the claim was deleted and re-created; the kubelet retries with the new one)");
  }

  Prepared out;
  out.pod_uids = claim->pod_uids;
  out.devices = PreparedDevicesFor(claim->results, ref.uid);
  if (claim->results.empty()) return out;  // nothing of ours in this claim

  CpuSet exclusive;
  DRACPU_RETURN_IF_ERROR(options_.store->Update([&](AllocationState* state) -> Status {
    StatusOr<CpuSet> held = HeldByOthers(*state, ref.uid);
    if (!held.ok()) return held.status();
    StatusOr<CpuSet> cpus = KeptCpus(*state, ref.uid);
    if (!cpus.ok()) {
      ClaimCpuContext context{options_.catalog, options_.node_name, *held, options_.allocate};
      cpus = ResolveClaimCpus(*claim, context);
      if (!cpus.ok()) return WithUserReason(cpus.status());
    }
    out.cpus = *cpus;
    exclusive = *held | *cpus;
    StateClaim entry;
    entry.set_uid(ref.uid);
    entry.set_namespace_(claim->ns);
    entry.set_name(claim->name);
    entry.set_cpus(cpus->ToString());
    for (const std::string& pod : claim->pod_uids) entry.add_pod_uids(pod);
    entry.set_phase(StateClaim::PREPARING);
    entry.set_updated_at(Rfc3339Now());
    for (std::string& record : EncodeDeviceRecords(claim->results)) {
      entry.add_devices(std::move(record));
    }
    (*state->mutable_claims())[ref.uid] = std::move(entry);
    return Status::OK();
  }));

  Status written = cdi::WriteSpec(options_.cdi_dir, ref.uid, out.cpus);
  if (!written.ok()) {
    Status rollback = options_.store->Update([&](AllocationState* state) {
      state->mutable_claims()->erase(ref.uid);
      return Status::OK();
    });
    if (!rollback.ok()) LOG(ERROR) << "dropping Preparing " << Label(ref) << ": " << rollback;
    return written.Annotate("writing the CDI spec");
  }
  DRACPU_RETURN_IF_ERROR(options_.store->Update([&](AllocationState* state) -> Status {
    auto it = state->mutable_claims()->find(ref.uid);
    if (it == state->mutable_claims()->end() || it->second.cpus() != out.cpus.ToString()) {
      return Status::Aborted("state entry of " + Label(ref) + " changed while preparing");
    }
    it->second.set_phase(StateClaim::PREPARED);
    it->second.set_updated_at(Rfc3339Now());
    PublishPools(*state);
    return Status::OK();
  }));
  return out;
}

Status ClaimPreparation::Unprepare(const kubelet::ClaimRef& claim) {
  const Clock::time_point start = Clock::now();
  std::string label = Label(claim);
  std::string cpus;
  Status status = DoUnprepare(claim, &label, &cpus);
  if (Recovered(status)) status = DoUnprepare(claim, &label, &cpus);
  const Clock::duration took = Clock::now() - start;
  if (options_.metrics != nullptr) {
    options_.metrics->ObserveUnprepare(std::chrono::duration<double>(took).count(), status);
  }
  if (!status.ok()) {
    LOG(WARNING) << "unprepare failed: " << label << ": " << status.message();
  } else if (!cpus.empty()) {
    LOG(INFO) << "unprepared " << label << " cpus=" << cpus << " latency=" << Millis(took) << "ms";
  } else {
    VLOG(2) << "unprepare: " << label << " not prepared on this node";
  }
  return status;
}

Status ClaimPreparation::DoUnprepare(const kubelet::ClaimRef& ref, std::string* label,
                                     std::string* cpus) {
  DRACPU_RETURN_IF_ERROR(cdi::ValidateClaimUid(ref.uid));
  bool known = false;
  Status read = options_.store->View([&](const AllocationState& state) {
    auto it = state.claims().find(ref.uid);
    known = it != state.claims().end();
    if (known) {
      *label = "claim " + it->second.namespace_() + "/" + it->second.name() + " uid=" + ref.uid;
    }
    return Status::OK();
  });
  if (!read.ok()) return read.Annotate("reading the state file");
  // The file goes first: while it exists a container may be created with these CPUs.
  DRACPU_RETURN_IF_ERROR(cdi::RemoveSpec(options_.cdi_dir, ref.uid));
  if (!known) return Status::OK();
  DRACPU_RETURN_IF_ERROR(options_.store->Update([&](AllocationState* s) {
    auto entry = s->mutable_claims()->find(ref.uid);
    if (entry != s->mutable_claims()->end()) {
      *cpus = entry->second.cpus();
      s->mutable_claims()->erase(entry);
    }
    PublishPools(*s);
    return Status::OK();
  }));
  return Status::OK();
}

bool ClaimPreparation::Recovered(const Status& status) {
  if (status.code() != Status::Code::kCorruption || !options_.recover_state) return false;
  LOG(ERROR) << "state file became unreadable while serving (" << status << "); recovering";
  Status recovered = options_.recover_state();
  if (!recovered.ok()) LOG(ERROR) << "state file recovery failed: " << recovered;
  return recovered.ok();
}

void ClaimPreparation::RefreshPoolMetrics() {
  (void)options_.store->View([&](const AllocationState& state) {
    PublishPools(state);
    return Status::OK();
  });
}

void ClaimPreparation::PublishPools(const AllocationState& state) const {
  if (options_.metrics == nullptr) return;
  StatusOr<CpuSet> held = HeldByOthers(state, "");
  if (!held.ok()) return;
  options_.metrics->SetPools(state.claims_size(), *held, options_.catalog->allocatable() - *held);
}

}  // namespace dracpu::driver
