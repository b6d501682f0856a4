#include "driver/kube/list_watch.h"

#include <glog/logging.h>

namespace dracpu::kube {

ListWatch::ListWatch(KubeClient* client, std::string collection, std::string field_selector,
                     Handlers handlers, Options options)
    : client_(client),
      collection_(std::move(collection)),
      field_selector_(std::move(field_selector)),
      handlers_(std::move(handlers)),
      options_(options) {}

ListWatch::~ListWatch() { Stop(); }

void ListWatch::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void ListWatch::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (stream_ != nullptr) stream_->Cancel();
    stop_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

ListWatchStats ListWatch::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void ListWatch::Pause(int* failures) {
  auto delay = BackoffDelay(options_.backoff, (*failures)++, UnitRandom());
  std::unique_lock<std::mutex> lock(mu_);
  stop_cv_.wait_for(lock, delay, [this] { return stop_.load(); });
}

bool ListWatch::ListOnce() {
  auto list = client_->List(collection_, field_selector_);
  if (!list.ok()) {
    LOG(WARNING) << "list " << collection_ << " [" << field_selector_ << "]: " << list.status();
    return false;
  }
  std::vector<Json> items;
  for (const auto& item : list->at("items").as_array()) items.push_back(item);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.lists;
    stats_.resource_version = JsonString(*list, {"metadata", "resourceVersion"});
  }
  VLOG(1) << "listed " << items.size() << " objects of " << collection_;
  if (handlers_.on_sync) handlers_.on_sync(items);
  return true;
}

bool ListWatch::WatchOnce(bool* progressed) {
  std::string rv;
  {
    std::lock_guard<std::mutex> lock(mu_);
    rv = stats_.resource_version;
    ++stats_.watches;
  }
  std::string query = "watch=1&allowWatchBookmarks=true&resourceVersion=" + QueryEscape(rv) +
                      "&timeoutSeconds=" + std::to_string(options_.watch_timeout.count());
  if (!field_selector_.empty()) query += "&fieldSelector=" + QueryEscape(field_selector_);
  const std::string target = collection_ + "?" + query;
  auto opened = client_->transport().OpenStream(target, Clock::now() + client_->options().timeout,
                                                options_.watch_timeout + std::chrono::seconds(30));
  if (!opened.ok()) {
    LOG(WARNING) << "watch " << target << ": " << opened.status();
    return false;
  }
  std::unique_ptr<LineStream> stream = std::move(opened).value();
  if (stream->code() != 200) {
    Status s = StatusFromHttp("WATCH", target, stream->code(), stream->ReadRest());
    LOG(WARNING) << s;
    if (stream->code() == 410) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.gone;
      return true;
    }
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return false;
    stream_ = stream.get();
  }
  bool relist = false;
  while (!stop_) {
    auto line = stream->ReadLine();
    if (!line.ok()) {
      if (!stop_) LOG(WARNING) << "watch " << collection_ << ": " << line.status();
      break;
    }
    if (!line->has_value()) break;  // the server ended the watch: resume from rv
    if ((*line)->empty()) continue;
    std::error_code ec;
    Json event = Json::parse(**line, ec);
    if (ec || !event.is_object() || !event.has_field("object")) {
      LOG(WARNING) << "watch " << collection_ << ": undecodable event, re-watching";
      break;
    }
    const std::string type = JsonString(event, {"type"});
    const Json& object = event.at("object");
    if (type == "ERROR") {
      const bool gone = object.has_field("code") && object.at("code").is_integer() &&
                        object.at("code").as_integer() == 410;
      LOG(WARNING) << "watch " << collection_ << " ERROR: " << JsonString(object, {"message"});
      if (gone) {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.gone;
        relist = true;
      }
      break;
    }
    const std::string new_rv = JsonString(object, {"metadata", "resourceVersion"});
    WatchEvent out{WatchEvent::Type::kAdded, object};
    if (type == "BOOKMARK") {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.bookmarks;
      if (!new_rv.empty()) stats_.resource_version = new_rv;
      *progressed = true;
      continue;
    } else if (type == "MODIFIED") {
      out.type = WatchEvent::Type::kModified;
    } else if (type == "DELETED") {
      out.type = WatchEvent::Type::kDeleted;
    } else if (type != "ADDED") {
      LOG(WARNING) << "watch " << collection_ << ": unknown event type \"" << type << "\"";
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.events;
      if (!new_rv.empty()) stats_.resource_version = new_rv;
    }
    *progressed = true;
    if (handlers_.on_event) handlers_.on_event(out);
  }
  std::lock_guard<std::mutex> lock(mu_);
  stream_ = nullptr;
  return relist;
}

void ListWatch::Run() {
  bool need_list = true;
  int failures = 0;
  while (!stop_) {
    if (need_list) {
      if (!ListOnce()) {
        Pause(&failures);
        continue;
      }
      need_list = false;
      failures = 0;
    }
    bool progressed = false;
    need_list = WatchOnce(&progressed);
    if (stop_) break;
    if (progressed || need_list) {
      failures = 0;
    } else {
      Pause(&failures);  // a watch that ends without news must not spin
    }
  }
}

}  // namespace dracpu::kube
