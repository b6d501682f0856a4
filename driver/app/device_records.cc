#include "driver/app/device_records.h"

#include <sstream>

#include "driver/core/cdi.h"

namespace dracpu::driver {
namespace {

// "req/sub" -> "req": the kubelet matches containers to requests by the base name.
std::string BaseRequest(std::string_view request) {
  return std::string(request.substr(0, request.find('/')));
}

kubelet::PreparedDevice MakeDevice(std::string_view request, std::string pool, std::string device,
                                   std::string share_id, std::string_view uid) {
  kubelet::PreparedDevice out;
  if (!request.empty()) out.request_names.push_back(BaseRequest(request));
  out.pool_name = std::move(pool);
  out.device_name = std::move(device);
  out.cdi_device_ids.push_back(cdi::DeviceId(uid));
  if (!share_id.empty()) out.share_id = std::move(share_id);
  return out;
}

}  // namespace

std::vector<kubelet::PreparedDevice> PreparedDevicesFor(const std::vector<ClaimResult>& results,
                                                        std::string_view uid) {
  std::vector<kubelet::PreparedDevice> devices;
  for (const ClaimResult& r : results) {
    devices.push_back(MakeDevice(r.request, r.pool, r.device, r.share_id, uid));
  }
  return devices;
}

std::vector<std::string> EncodeDeviceRecords(const std::vector<ClaimResult>& results) {
  std::vector<std::string> records;
  for (const ClaimResult& r : results) {
    std::string record = r.pool + "/" + r.device + " request=" + r.request;
    if (!r.share_id.empty()) record += " share=" + r.share_id;
    records.push_back(std::move(record));
  }
  return records;
}

StatusOr<std::vector<kubelet::PreparedDevice>> DecodeDeviceRecords(
    const std::vector<std::string>& records, std::string_view uid) {
  std::vector<kubelet::PreparedDevice> devices;
  for (const std::string& record : records) {
    auto bad = [&record] {
      return Status::Corruption("state file device record \"" + record + "\" is malformed");
    };
    std::istringstream words(record);
    std::string first;
    words >> first;
    size_t slash = first.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == first.size()) return bad();
    std::string request, share;
    bool have_request = false;
    std::string word;
    while (words >> word) {
      if (word.rfind("request=", 0) == 0 && !have_request) {
        request = word.substr(8);
        have_request = true;
      } else if (word.rfind("share=", 0) == 0 && share.empty() && word.size() > 6) {
        share = word.substr(6);
      } else {
        return bad();
      }
    }
    if (!have_request) return bad();
    devices.push_back(
        MakeDevice(request, first.substr(0, slash), first.substr(slash + 1), share, uid));
  }
  return devices;
}

}  // namespace dracpu::driver
