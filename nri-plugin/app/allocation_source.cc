#include "nri-plugin/app/allocation_source.h"

#include <glog/logging.h>

#include <utility>

namespace dracpu::nri {

namespace {

StatusOr<CpuSet> ParseField(const std::string& value, const std::string& what) {
  StatusOr<CpuSet> cpus = CpuSet::Parse(value);
  if (!cpus.ok())
    return Status::InvalidArgument("state file " + what + ": " + cpus.status().message());
  return cpus;
}

}  // namespace

StatusOr<AllocationView> ToAllocationView(const AllocationState& state) {
  AllocationView view;
  view.generation = state.generation();
  // An empty state (no file yet) has no cpulists at all.
  if (!state.online_cpus().empty()) {
    StatusOr<CpuSet> online = ParseField(state.online_cpus(), "onlineCpus");
    if (!online.ok()) return online.status();
    view.online = std::move(*online);
  }
  if (!state.reserved_cpus().empty()) {
    StatusOr<CpuSet> reserved = ParseField(state.reserved_cpus(), "reservedCpus");
    if (!reserved.ok()) return reserved.status();
    view.reserved = std::move(*reserved);
  }
  for (const auto& [key, claim] : state.claims()) {
    if (claim.phase() != ClaimAllocation::PREPARED && claim.phase() != ClaimAllocation::PREPARING) {
      LOG(WARNING) << "state generation " << state.generation() << ": ignoring claim " << key
                   << " in phase " << ClaimAllocation::Phase_Name(claim.phase());
      continue;
    }
    StatusOr<CpuSet> cpus = ParseField(claim.cpus(), "claim " + key + " cpus");
    if (!cpus.ok()) return cpus.status();
    if (cpus->Empty()) return Status::InvalidArgument("state file claim " + key + " has no CPUs");
    ClaimGrant grant;
    // The map key is the claim UID; the uid field repeats it for readers of the file.
    grant.uid = key;
    grant.namespace_ = claim.namespace_();
    grant.name = claim.name();
    grant.cpus = std::move(*cpus);
    grant.pod_uids.insert(claim.pod_uids().begin(), claim.pod_uids().end());
    view.claims.emplace(key, std::move(grant));
  }
  return view;
}

const char* StateErrorKind(const Status& error) {
  if (error.IsCorruption() || error.IsInvalidArgument()) return "corrupt";
  if (error.code() == Status::Code::kFailedPrecondition) return "unsupported_version";
  return "io";
}

AllocationSource::AllocationSource(std::string state_dir, ErrorCallback on_error)
    : store_(std::move(state_dir)),
      reader_(&store_),
      data_path_(store_.data_path()),
      on_error_(std::move(on_error)) {}

void AllocationSource::ReportError(const Status& error) {
  // The reader returns the same error on every call until the file changes: report it once.
  if (error.message() == last_error_) return;
  last_error_ = error.message();
  LOG(ERROR) << "state file unusable (" << error << "); keeping the last good view, generation "
             << generation_;
  if (on_error_) on_error_(error);
}

std::optional<AllocationView> AllocationSource::Refresh() {
  StatusOr<bool> changed = reader_.Refresh();
  if (!changed.ok()) {
    ReportError(changed.status());
    return std::nullopt;
  }
  if (!*changed) return std::nullopt;
  StatusOr<AllocationView> view = ToAllocationView(reader_.state());
  if (!view.ok()) {
    ReportError(view.status().Annotate(data_path_));
    return std::nullopt;
  }
  last_error_.clear();
  generation_ = view->generation;
  VLOG(1) << "state generation " << generation_ << ": " << view->claims.size() << " claims";
  return std::move(*view);
}

}  // namespace dracpu::nri
