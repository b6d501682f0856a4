#include "driver/app/slice_publisher.h"

#include <glog/logging.h>

#include <algorithm>

#include "driver/core/device_catalog.h"
#include "driver/core/resource_slices.h"

namespace dracpu::driver {
namespace {

using web::json::value;

std::string NameOf(const value& object) { return kube::JsonString(object, {"metadata", "name"}); }

size_t DeviceCount(const std::vector<value>& slices) {
  size_t n = 0;
  for (const value& slice : slices) {
    if (slice.has_field("spec") && slice.at("spec").has_field("devices") &&
        slice.at("spec").at("devices").is_array()) {
      n += slice.at("spec").at("devices").size();
    }
  }
  return n;
}

}  // namespace

SlicePublisher::SlicePublisher(SlicePublisherOptions options)
    : options_(std::move(options)), desired_(options_.desired) {}

SlicePublisher::~SlicePublisher() { Stop(); }

void SlicePublisher::Start() {
  const std::string selector =
      kube::FieldSelector({{"spec.nodeName", options_.node_name}, {"spec.driver", kDriverName}});
  kube::ListWatch::Handlers handlers;
  handlers.on_sync = [this](const std::vector<value>& items) { OnSync(items); };
  handlers.on_event = [this](const kube::WatchEvent& event) { OnEvent(event); };
  watch_ = std::make_unique<kube::ListWatch>(
      options_.client, options_.client->paths().ResourceSlices(), selector, std::move(handlers));
  worker_ = std::thread([this] { Run(); });
  watch_->Start();
}

void SlicePublisher::Stop() {
  if (watch_) watch_->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int SlicePublisher::successful_syncs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return syncs_;
}

void SlicePublisher::OnSync(const std::vector<value>& items) {
  std::lock_guard<std::mutex> lock(mu_);
  view_.clear();
  for (const value& item : items) view_[NameOf(item)] = item;
  listed_ = true;
  dirty_ = true;
  cv_.notify_all();
}

void SlicePublisher::OnEvent(const kube::WatchEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name = NameOf(event.object);
  if (event.type == kube::WatchEvent::Type::kDeleted) {
    view_.erase(name);
  } else {
    view_[name] = event.object;
  }
  dirty_ = true;
  cv_.notify_all();
}

void SlicePublisher::Remember(const value& slice) {
  std::lock_guard<std::mutex> lock(mu_);
  view_[NameOf(slice)] = slice;
}

void SlicePublisher::Run() {
  std::chrono::milliseconds delay{100};
  bool failing = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (failing) {
      cv_.wait_for(lock, delay, [this] { return stop_; });
    } else {
      cv_.wait(lock, [this] { return stop_ || (listed_ && dirty_); });
    }
    if (stop_) break;
    dirty_ = false;
    lock.unlock();
    Status synced = SyncOnce();
    lock.lock();
    if (options_.metrics != nullptr) options_.metrics->CountSliceSync(synced.ok());
    if (synced.ok()) {
      failing = false;
      delay = std::chrono::milliseconds(100);
      ++syncs_;
      lock.unlock();
      if (options_.on_published) options_.on_published();
      lock.lock();
    } else {
      if (synced.code() != Status::Code::kAborted) {
        LOG(WARNING) << "ResourceSlice sync failed (retrying in " << delay.count()
                     << "ms): " << synced;
      }
      failing = true;
      delay = std::min(delay * 2, options_.max_retry_delay);
    }
  }
}

Status SlicePublisher::SyncOnce() {
  SliceSyncInput input;
  input.desired = desired_;
  input.pool_name = options_.node_name;
  input.version = options_.version;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, object] : view_) input.existing.push_back(object);
  }
  StatusOr<SliceSyncPlan> plan = PlanSliceSync(input);
  if (!plan.ok()) return plan.status().Annotate("planning the ResourceSlice sync");
  if (plan->empty()) return Status::OK();
  DRACPU_RETURN_IF_ERROR(Apply(*plan));
  LOG(INFO) << "published ResourceSlices: pool=" << options_.node_name
            << " generation=" << plan->generation << " slices=" << desired_.size()
            << " devices=" << DeviceCount(desired_) << " (deleted=" << plan->deletes.size()
            << " updated=" << plan->updates.size() << " created=" << plan->creates.size() << ")";
  return Status::OK();
}

Status SlicePublisher::Apply(const SliceSyncPlan& plan) {
  kube::KubeClient& client = *options_.client;
  for (const SliceDelete& d : plan.deletes) {
    Status deleted = client.DeleteResourceSlice(d.name, d.uid, d.resource_version);
    // Aborted: the slice changed since we saw it; the watch brings the news and we re-plan.
    if (!deleted.ok()) return deleted.Annotate("deleting ResourceSlice " + d.name);
    std::lock_guard<std::mutex> lock(mu_);
    view_.erase(d.name);
  }
  for (const value& update : plan.updates) {
    StatusOr<value> returned = client.UpdateResourceSlice(update);
    if (!returned.ok()) return returned.status().Annotate("updating ResourceSlice");
    AcceptServerSpec(update, *returned);
    Remember(*returned);
  }
  for (const value& create : plan.creates) {
    StatusOr<value> returned = client.CreateResourceSlice(create);
    if (!returned.ok()) return returned.status().Annotate("creating ResourceSlice");
    AcceptServerSpec(create, *returned);
    Remember(*returned);
  }
  return Status::OK();
}

void SlicePublisher::AcceptServerSpec(const value& sent, const value& returned) {
  if (ServerKeptSliceSpec(sent, returned, options_.version)) return;
  const std::string name = NameOf(returned);
  std::optional<size_t> index = SliceIndexFromName(name);
  StatusOr<value> v1 = SliceToV1(returned, options_.version);
  LOG(ERROR) << "server dropped fields: ResourceSlice " << name
             << " came back without part of its spec (a feature gate such as "
             << "DRAConsumableCapacity is off?); keeping the server's version";
  if (!index || *index >= desired_.size() || !v1.ok()) return;
  // Only the devices are taken over: pool, nodeName and generation stay ours to plan.
  desired_[*index][U("spec")][U("devices")] = v1->at(U("spec")).at(U("devices"));
}

}  // namespace dracpu::driver
