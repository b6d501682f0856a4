// The devices a prepared claim answers with, and how they are remembered in the state file.
//
// NodePrepareResources returns one PreparedDevice per dra.cpu allocation result, each carrying
// the claim's single CDI device id (design.md §3). A re-prepare of a prepared claim must return
// the same list without reading the claim again, so the list is kept in the state file's
// per-claim `devices` strings, one per result, readable by an operator:
//     "<pool>/<device> request=<request>[ share=<shareID>]"
// Device names are DNS labels (no '/'), so the last '/' of the first word splits pool and
// device even for pool names with slashes; request names, pools and share IDs carry no spaces
// or '='. The request keeps its "/<subrequest>" suffix; the kubelet is sent the base name.

#ifndef DRACPU_DRIVER_APP_DEVICE_RECORDS_H_
#define DRACPU_DRIVER_APP_DEVICE_RECORDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "driver/core/claim_allocation.h"
#include "driver/kubelet/claim_preparer.h"

namespace dracpu::driver {

// One PreparedDevice per result, in order, each with cdi::DeviceId(uid).
// REQUIRES: cdi::ValidateClaimUid(uid).ok().
std::vector<kubelet::PreparedDevice> PreparedDevicesFor(const std::vector<ClaimResult>& results,
                                                        std::string_view uid);

// The state-file strings for `results`, in order.
std::vector<std::string> EncodeDeviceRecords(const std::vector<ClaimResult>& results);

// The inverse, back to what PreparedDevicesFor returns. Corruption naming the record when a
// string is not of the form above (a hand edit the checksum did not catch, or a newer writer).
StatusOr<std::vector<kubelet::PreparedDevice>> DecodeDeviceRecords(
    const std::vector<std::string>& records, std::string_view uid);

}  // namespace dracpu::driver

#endif  // DRACPU_DRIVER_APP_DEVICE_RECORDS_H_
