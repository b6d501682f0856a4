#include "driver/kubelet/claim_batch.h"

#include <glog/logging.h>

#include <chrono>
#include <exception>

namespace dracpu::kubelet {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string JoinCdiIds(const std::vector<PreparedDevice>& devices) {
  std::string out;
  for (const PreparedDevice& d : devices) {
    for (const std::string& id : d.cdi_device_ids) {
      if (!out.empty()) out += ",";
      out += id;
    }
  }
  return out.empty() ? "none" : out;
}

// The reason a claim cannot even be looked at, or "" when it is well formed.
std::string MalformedReason(const ClaimRef& claim) {
  if (claim.uid.empty()) return "claim has no uid";
  if (claim.name.empty()) return "claim has no name";
  if (claim.namespace_.empty()) return "claim has no namespace";
  return "";
}

}  // namespace

std::string DescribeClaim(const ClaimRef& claim) {
  return claim.namespace_ + "/" + claim.name + " (uid " + claim.uid + ")";
}

std::map<std::string, ClaimOutcome> ClaimBatch::PrepareAll(const std::vector<ClaimRef>& claims,
                                                           std::string_view api) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, ClaimOutcome> outcomes;
  for (const ClaimRef& claim : claims) {
    if (outcomes.count(claim.uid)) continue;  // listed twice: the first answer stands
    Clock::time_point start = Clock::now();
    ClaimOutcome outcome = PrepareOne(claim);
    if (outcome.ok()) {
      VLOG(1) << "prepare " << api << " claim " << DescribeClaim(claim)
              << ": ok, cdi=" << JoinCdiIds(outcome.devices)
              << (outcome.log_detail.empty() ? "" : " ") << outcome.log_detail << " in "
              << MillisSince(start) << " ms";
    } else {
      VLOG(1) << "prepare " << api << " claim " << DescribeClaim(claim)
              << ": failed: " << outcome.error << " in " << MillisSince(start) << " ms";
    }
    outcomes.emplace(claim.uid, std::move(outcome));
  }
  return outcomes;
}

std::map<std::string, std::string> ClaimBatch::UnprepareAll(const std::vector<ClaimRef>& claims,
                                                            std::string_view api) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> errors;
  for (const ClaimRef& claim : claims) {
    if (errors.count(claim.uid)) continue;
    Clock::time_point start = Clock::now();
    std::string error = UnprepareOne(claim);
    if (error.empty()) {
      VLOG(1) << "unprepare " << api << " claim " << DescribeClaim(claim) << ": ok in "
              << MillisSince(start) << " ms";
    } else {
      VLOG(1) << "unprepare " << api << " claim " << DescribeClaim(claim) << ": failed: " << error
              << " in " << MillisSince(start) << " ms";
    }
    errors.emplace(claim.uid, std::move(error));
  }
  return errors;
}

ClaimOutcome ClaimBatch::PrepareOne(const ClaimRef& claim) {
  ClaimOutcome outcome;
  outcome.error = MalformedReason(claim);
  if (!outcome.ok()) return outcome;
  try {
    StatusOr<PrepareResult> result = preparer_->Prepare(claim);
    if (result.ok()) {
      outcome.devices = std::move(result->devices);
      outcome.log_detail = std::move(result->log_detail);
    } else {
      outcome.error = result.status().ToString();
    }
  } catch (const std::exception& e) {
    outcome.error = std::string("internal error: ") + e.what();
  } catch (...) {
    outcome.error = "internal error: unknown exception";
  }
  return outcome;
}

std::string ClaimBatch::UnprepareOne(const ClaimRef& claim) {
  // Unprepare needs only the UID: the claim object may already be deleted.
  if (claim.uid.empty()) return "claim has no uid";
  try {
    Status status = preparer_->Unprepare(claim);
    return status.ok() ? "" : status.ToString();
  } catch (const std::exception& e) {
    return std::string("internal error: ") + e.what();
  } catch (...) {
    return "internal error: unknown exception";
  }
}

}  // namespace dracpu::kubelet
