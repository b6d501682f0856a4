#include "e2e/apiserver/watch_stream.h"

#include "e2e/apiserver/standin_routes.h"

namespace dracpu::standin {
namespace {

std::string EventLine(const std::string& type, const Json& object) {
  Json event = Json::object();
  event["type"] = Json::string(type);
  event["object"] = object;
  return event.serialize() + "\n";
}

}  // namespace

Json StatusObject(int code, const std::string& reason, const std::string& message) {
  Json s = Json::object();
  s["kind"] = Json::string("Status");
  s["apiVersion"] = Json::string("v1");
  s["metadata"] = Json::object();
  s["status"] = Json::string("Failure");
  s["reason"] = Json::string(reason);
  s["message"] = Json::string(message);
  s["code"] = Json::number(code);
  return s;
}

void StreamWatch(ObjectStore& store, const WatchRequest& request,
                 const std::function<bool(const std::string& line)>& write,
                 const std::function<bool()>& should_stop) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + request.timeout;
  int64_t rv = 0;
  if (request.resource_version.empty() || request.resource_version == "0") {
    for (const auto& object : store.List(request.resource, request.ns, request.selector, &rv)) {
      if (!write(EventLine("ADDED", object))) return;
    }
  } else {
    try {
      rv = std::stoll(request.resource_version);
    } catch (const std::exception&) {
      write(EventLine("ERROR", StatusObject(400, "BadRequest", "invalid resourceVersion")));
      return;
    }
  }
  auto next_bookmark = Clock::now() + request.bookmark_interval;
  while (!should_stop() && Clock::now() < end) {
    const int64_t upto = store.CurrentRv();
    auto events = store.EventsAfter(rv, request.resource, request.ns, request.selector);
    if (!events.ok()) {
      write(EventLine("ERROR", StatusObject(410, "Expired", events.status().message())));
      return;
    }
    for (const auto& e : *events) {
      if (e.rv > upto) break;
      if (!write(EventLine(e.type, e.object))) return;
    }
    rv = upto;
    if (request.bookmarks && Clock::now() >= next_bookmark) {
      Json object = Json::object();
      object["kind"] = Json::string(KindOf(request.resource));
      object["apiVersion"] = Json::string(request.api_version);
      object["metadata"]["resourceVersion"] = Json::string(std::to_string(rv));
      if (!write(EventLine("BOOKMARK", object))) return;
      next_bookmark = Clock::now() + request.bookmark_interval;
    }
    auto wake = std::min(end, request.bookmarks ? next_bookmark : end);
    store.WaitForChange(rv, wake);
  }
}

}  // namespace dracpu::standin
