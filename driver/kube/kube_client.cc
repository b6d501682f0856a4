#include "driver/kube/kube_client.h"

#include <glog/logging.h>

#include <thread>

namespace dracpu::kube {
namespace {

bool Retryable(int code) { return code == 429 || code >= 500; }

StatusOr<Json> ParseJson(const std::string& text, const std::string& what) {
  std::error_code ec;
  Json value = Json::parse(text, ec);
  if (ec) return Status::Corruption(what + ": response is not JSON: " + ec.message());
  return value;
}

}  // namespace

std::string JsonString(const Json& object, std::initializer_list<const char*> path) {
  const Json* cur = &object;
  for (const char* key : path) {
    if (!cur->is_object() || !cur->has_field(key)) return "";
    cur = &cur->at(key);
  }
  return cur->is_string() ? cur->as_string() : "";
}

std::string SliceFilter::ToFieldSelector() const {
  std::vector<std::pair<std::string, std::string>> terms;
  if (!driver.empty()) terms.emplace_back("spec.driver", driver);
  if (!node_name.empty()) terms.emplace_back("spec.nodeName", node_name);
  return FieldSelector(terms);
}

Status StatusFromHttp(const std::string& verb, const std::string& path, int code,
                      const std::string& body) {
  std::string reason, message;
  std::error_code ec;
  Json status = Json::parse(body, ec);
  if (!ec && status.is_object()) {
    reason = JsonString(status, {"reason"});
    message = JsonString(status, {"message"});
  }
  if (message.empty()) message = body.substr(0, 200);
  const std::string text = verb + " " + path + ": HTTP " + std::to_string(code) +
                           (reason.empty() ? "" : " " + reason) + ": " + message;
  switch (code) {
    case 400:
    case 422: return Status::InvalidArgument(text);
    case 401:
    case 403: return Status::PermissionDenied(text);
    case 404: return Status::NotFound(text);
    case 409:
      return reason == "AlreadyExists" ? Status::AlreadyExists(text) : Status::Aborted(text);
    case 410: return Status::FailedPrecondition(text);
    default: break;
  }
  if (Retryable(code)) return Status::Unavailable(text);
  return Status::Internal(text);
}

KubeClient::KubeClient(std::unique_ptr<HttpTransport> transport, Options options)
    : transport_(std::move(transport)),
      options_(std::move(options)),
      paths_(options_.api_version) {}

KubeClient::~KubeClient() = default;

StatusOr<std::unique_ptr<KubeClient>> KubeClient::Create(const ClusterConfig& config,
                                                         Options options) {
  auto transport = HttpTransport::Create(config, options.user_agent);
  if (!transport.ok()) return transport.status();
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(transport).value(), options));
}

StatusOr<Json> KubeClient::Call(const std::string& verb, const std::string& path,
                                const std::string& query, const Json* body,
                                std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) timeout = options_.timeout;
  const auto deadline = Clock::now() + timeout;
  const std::string target = query.empty() ? path : path + "?" + query;
  const std::string payload = body ? body->serialize() : std::string();
  const std::string content_type = body ? "application/json" : "";
  bool reauthenticated = false;
  Status last;
  for (int attempt = 0;; ++attempt) {
    const auto sent_at = Clock::now();
    auto response = transport_->Send(verb, target, payload, content_type, deadline);
    if (options_.on_attempt) {
      options_.on_attempt(
          verb, response.ok() ? response->code : 0,
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at));
    }
    std::chrono::milliseconds wait{0};
    if (!response.ok()) {
      last = response.status();
      LOG(WARNING) << verb << " " << target << " failed (attempt " << attempt + 1 << "): " << last;
      if (last.code() == Status::Code::kDeadlineExceeded) return last;
      if (!last.IsUnavailable()) return last;
    } else if (response->code >= 200 && response->code < 300) {
      if (response->body.empty()) return Json::object();
      return ParseJson(response->body, verb + " " + target);
    } else {
      last = StatusFromHttp(verb, target, response->code, response->body);
      LOG(WARNING) << "attempt " << attempt + 1 << ": " << last;
      if (response->code == 401 && !reauthenticated) {
        reauthenticated = true;
        transport_->tokens().Invalidate();
        continue;
      }
      if (!Retryable(response->code)) return last;
      wait = std::chrono::duration_cast<std::chrono::milliseconds>(response->retry_after);
    }
    if (wait.count() == 0) wait = BackoffDelay(options_.backoff, attempt, UnitRandom());
    if (Clock::now() + wait >= deadline) {
      Status final_status =
          Status::Unavailable(last.message() + " (gave up after " + std::to_string(attempt + 1) +
                              " attempts within " + std::to_string(timeout.count()) + " ms)");
      LOG(WARNING) << final_status;
      return final_status;
    }
    std::this_thread::sleep_for(wait);
  }
}

StatusOr<Json> KubeClient::Get(const std::string& path, const std::string& query,
                               std::chrono::milliseconds timeout) {
  return Call("GET", path, query, nullptr, timeout);
}

StatusOr<Json> KubeClient::List(const std::string& collection, const std::string& field_selector,
                                std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) timeout = options_.timeout;
  const auto deadline = Clock::now() + timeout;
  Json items = Json::array();
  Json result;
  std::string cont;
  do {
    std::string query = "limit=" + std::to_string(options_.list_page_size);
    if (!field_selector.empty()) query += "&fieldSelector=" + QueryEscape(field_selector);
    if (!cont.empty()) query += "&continue=" + QueryEscape(cont);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::DeadlineExceeded("LIST " + collection + ": deadline");
    auto page = Call("GET", collection, query, nullptr, left);
    if (!page.ok()) return page.status();
    if (page->has_field("items") && page->at("items").is_array()) {
      for (const auto& item : page->at("items").as_array()) items[items.size()] = item;
    }
    cont = JsonString(*page, {"metadata", "continue"});
    result = std::move(page).value();
  } while (!cont.empty());
  result["items"] = items;
  return result;
}

StatusOr<Json> KubeClient::Create(const std::string& collection, const Json& object,
                                  std::chrono::milliseconds timeout) {
  return Call("POST", collection, "", &object, timeout);
}

StatusOr<Json> KubeClient::Replace(const std::string& path, const Json& object,
                                   std::chrono::milliseconds timeout) {
  return Call("PUT", path, "", &object, timeout);
}

Status KubeClient::Delete(const std::string& path, const std::string& uid,
                          const std::string& resource_version, std::chrono::milliseconds timeout) {
  Json options = Json::object();
  options["kind"] = Json::string("DeleteOptions");
  options["apiVersion"] = Json::string("v1");
  if (!uid.empty() || !resource_version.empty()) {
    Json pre = Json::object();
    if (!uid.empty()) pre["uid"] = Json::string(uid);
    if (!resource_version.empty()) pre["resourceVersion"] = Json::string(resource_version);
    options["preconditions"] = pre;
  }
  auto result = Call("DELETE", path, "", &options, timeout);
  if (!result.ok() && !result.status().IsNotFound()) return result.status();
  return Status::OK();
}

StatusOr<Json> KubeClient::GetNode(const std::string& name, std::chrono::milliseconds timeout) {
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("node name", name));
  return Get(ApiPaths::Node(name), "", timeout);
}

StatusOr<Json> KubeClient::GetResourceClaim(const std::string& ns, const std::string& name,
                                            std::chrono::milliseconds timeout) {
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("claim namespace", ns));
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("claim name", name));
  return Get(paths_.ResourceClaim(ns, name), "", timeout);
}

StatusOr<Json> KubeClient::GetDeviceClass(const std::string& name,
                                          std::chrono::milliseconds timeout) {
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("device class name", name));
  return Get(paths_.DeviceClass(name), "", timeout);
}

StatusOr<Json> KubeClient::GetResourceSlice(const std::string& name,
                                            std::chrono::milliseconds timeout) {
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("slice name", name));
  return Get(paths_.ResourceSlice(name), "", timeout);
}

StatusOr<Json> KubeClient::ListResourceSlices(const SliceFilter& filter,
                                              std::chrono::milliseconds timeout) {
  return List(paths_.ResourceSlices(), filter.ToFieldSelector(), timeout);
}

StatusOr<Json> KubeClient::CreateResourceSlice(const Json& slice,
                                               std::chrono::milliseconds timeout) {
  if (JsonString(slice, {"metadata", "name"}).empty() &&
      JsonString(slice, {"metadata", "generateName"}).empty()) {
    return Status::InvalidArgument("CreateResourceSlice: metadata.name or generateName required");
  }
  return Create(paths_.ResourceSlices(), slice, timeout);
}

StatusOr<Json> KubeClient::UpdateResourceSlice(const Json& slice,
                                               std::chrono::milliseconds timeout) {
  const std::string name = JsonString(slice, {"metadata", "name"});
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("slice name", name));
  if (JsonString(slice, {"metadata", "resourceVersion"}).empty()) {
    return Status::InvalidArgument("UpdateResourceSlice " + name +
                                   ": metadata.resourceVersion required (no blind overwrite)");
  }
  return Replace(paths_.ResourceSlice(name), slice, timeout);
}

Status KubeClient::DeleteResourceSlice(const std::string& name, const std::string& uid,
                                       const std::string& resource_version,
                                       std::chrono::milliseconds timeout) {
  DRACPU_RETURN_IF_ERROR(ValidatePathSegment("slice name", name));
  return Delete(paths_.ResourceSlice(name), uid, resource_version, timeout);
}

StatusOr<std::vector<std::string>> KubeClient::ServedResourceVersions(
    std::chrono::milliseconds timeout) {
  auto group = Get("/apis/resource.k8s.io", "", timeout);
  if (!group.ok()) return group.status();
  std::vector<std::string> versions;
  if (group->has_field("versions") && group->at("versions").is_array()) {
    for (const auto& v : group->at("versions").as_array()) {
      std::string name = JsonString(v, {"version"});
      if (!name.empty()) versions.push_back(name);
    }
  }
  return versions;
}

Status RetryOnConflict(const std::function<Status()>& attempt, int max_attempts,
                       const BackoffPolicy& policy) {
  Status s;
  for (int i = 0; i < max_attempts; ++i) {
    s = attempt();
    if (s.code() != Status::Code::kAborted) return s;
    VLOG(1) << "conflict, re-reading (attempt " << i + 1 << "/" << max_attempts << "): " << s;
    if (i + 1 < max_attempts) std::this_thread::sleep_for(BackoffDelay(policy, i, UnitRandom()));
  }
  return s;
}

}  // namespace dracpu::kube
