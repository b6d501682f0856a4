#include "e2e/apiserver/apiserver_standin.h"

#include <arpa/inet.h>
#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <glog/logging.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "e2e/apiserver/claim_allocation.h"
#include "e2e/apiserver/standin_routes.h"
#include "e2e/apiserver/watch_stream.h"

namespace dracpu::standin {
namespace {

namespace http = web::http;

// cpprestsdk's listener cannot report the port it bound, so ask the kernel for a free one and
// retry if another process takes it before the listener binds.
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

struct HttpError {
  int code;
  const char* reason;
};

HttpError ErrorFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kNotFound: return {404, "NotFound"};
    case Status::Code::kAlreadyExists: return {409, "AlreadyExists"};
    case Status::Code::kAborted: return {409, "Conflict"};
    case Status::Code::kFailedPrecondition: return {410, "Expired"};
    case Status::Code::kInvalidArgument: return {422, "Invalid"};
    case Status::Code::kResourceExhausted: return {409, "Conflict"};
    default: return {500, "InternalError"};
  }
}

std::string Param(const std::map<std::string, std::string>& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? "" : it->second;
}

}  // namespace

struct ApiServerStandin::Impl {
  StandinOptions options;
  ObjectStore store;
  std::unique_ptr<http::experimental::listener::http_listener> listener;
  int port = 0;
  std::string url;

  mutable std::mutex mu;
  Faults faults;
  std::vector<std::string> log;
  std::vector<std::thread> watches;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> drop_generation{0};

  void Reply(const http::http_request& req, int code, const Json& body) {
    try {
      req.reply(code, body).wait();
    } catch (const std::exception& e) {
      LOG(WARNING) << "stand-in: reply failed: " << e.what();
    }
  }
  void ReplyStatus(const http::http_request& req, const Status& s) {
    const HttpError e = ErrorFor(s);
    Reply(req, e.code, StatusObject(e.code, e.reason, s.message()));
  }

  void Handle(http::http_request req);
  void HandleControl(const http::http_request& req, const std::string& path,
                     const std::map<std::string, std::string>& query);
  void HandleApi(const http::http_request& req, const Route& route,
                 const std::map<std::string, std::string>& query);
  void ServeWatch(const http::http_request& req, const Route& route, WatchRequest watch);
  StatusOr<Json> Body(http::http_request req);
  std::string ObjectApiVersion(const Route& route) const {
    return route.core ? "v1" : "resource.k8s.io/" + route.version;
  }
};

StatusOr<Json> ApiServerStandin::Impl::Body(http::http_request req) {
  try {
    std::string text = req.extract_string(true).get();
    if (text.empty()) return Json::object();
    std::error_code ec;
    Json body = Json::parse(text, ec);
    if (ec) return Status::InvalidArgument("request body is not JSON: " + ec.message());
    return body;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("cannot read request body: ") + e.what());
  }
}

void ApiServerStandin::Impl::Handle(http::http_request req) {
  const std::string path = web::uri::decode(req.relative_uri().path());
  std::map<std::string, std::string> query;
  for (const auto& [k, v] : web::uri::split_query(req.relative_uri().query())) {
    query[web::uri::decode(k)] = web::uri::decode(v);
  }
  if (path.rfind("/standin/", 0) == 0) return HandleControl(req, path, query);
  Faults f;
  {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back(req.method() + " " + req.relative_uri().to_string());
    f = faults;
    if (f.path_filter.empty() || path.find(f.path_filter) != std::string::npos) {
      if (faults.fail_next > 0) --faults.fail_next;
    } else {
      f = Faults();
    }
  }
  if (f.latency.count() > 0) std::this_thread::sleep_for(f.latency);
  if (!options.bearer_token.empty()) {
    auto it = req.headers().find("Authorization");
    if (it == req.headers().end() || it->second != "Bearer " + options.bearer_token) {
      return Reply(req, 401, StatusObject(401, "Unauthorized", "Unauthorized"));
    }
  }
  if (f.fail_always || f.fail_next > 0) {
    http::http_response response(f.fail_code);
    response.set_body(StatusObject(
        f.fail_code, f.fail_code == 429 ? "TooManyRequests" : "InternalError", "injected failure"));
    if (f.retry_after_seconds > 0) {
      response.headers().add("Retry-After", std::to_string(f.retry_after_seconds));
    }
    try {
      req.reply(response).wait();
    } catch (const std::exception& e) {
      LOG(WARNING) << "stand-in: reply failed: " << e.what();
    }
    return;
  }
  auto route = ParseRoute(path);
  if (!route.ok()) return ReplyStatus(req, route.status());
  const auto& served = options.served_versions;
  if (!route->core && !route->group_discovery &&
      std::find(served.begin(), served.end(), route->version) == served.end()) {
    return ReplyStatus(req, Status::NotFound("resource.k8s.io/" + route->version + " not served"));
  }
  HandleApi(req, *route, query);
}

void ApiServerStandin::Impl::HandleApi(const http::http_request& req, const Route& route,
                                       const std::map<std::string, std::string>& query) {
  const std::string method = req.method();
  if (route.group_discovery) {
    Json group = Json::object();
    group["kind"] = Json::string("APIGroup");
    group["apiVersion"] = Json::string("v1");
    group["name"] = Json::string("resource.k8s.io");
    for (const auto& v : options.served_versions) {
      Json entry = Json::object();
      entry["groupVersion"] = Json::string("resource.k8s.io/" + v);
      entry["version"] = Json::string(v);
      group["versions"][group["versions"].size()] = entry;
    }
    if (!options.served_versions.empty()) group["preferredVersion"] = group["versions"][0];
    return Reply(req, 200, group);
  }
  if (method == http::methods::GET && route.name.empty()) {
    auto selector = FieldSelectorMatcher::Parse(Param(query, "fieldSelector"));
    if (!selector.ok()) return ReplyStatus(req, selector.status());
    const std::string watch = Param(query, "watch");
    if (watch == "1" || watch == "true") {
      WatchRequest w{route.resource, route.ns, ObjectApiVersion(route), *selector,
                     Param(query, "resourceVersion")};
      const std::string timeout = Param(query, "timeoutSeconds");
      if (!timeout.empty()) w.timeout = std::chrono::seconds(std::atoi(timeout.c_str()));
      w.bookmarks = Param(query, "allowWatchBookmarks") == "true";
      w.bookmark_interval = options.bookmark_interval;
      if (options.gone_as_http_status && !w.resource_version.empty()) {
        const int64_t from = std::strtoll(w.resource_version.c_str(), nullptr, 10);
        auto events = store.EventsAfter(from, route.resource, route.ns, *selector);
        if (!events.ok()) return ReplyStatus(req, events.status());
      }
      return ServeWatch(req, route, std::move(w));
    }
    int64_t rv = 0;
    Json list = Json::object();
    list["kind"] = Json::string(KindOf(route.resource) + "List");
    list["apiVersion"] = Json::string(ObjectApiVersion(route));
    list["items"] = Json::array();
    // Paging: `continue` is the index of the next item (the stand-in does not snapshot).
    const size_t limit = std::strtoul(Param(query, "limit").c_str(), nullptr, 10);
    const size_t first = std::strtoul(Param(query, "continue").c_str(), nullptr, 10);
    const auto items = store.List(route.resource, route.ns, *selector, &rv);
    size_t next = first;
    for (; next < items.size() && (limit == 0 || next < first + limit); ++next) {
      list["items"][list["items"].size()] = items[next];
    }
    list["metadata"]["resourceVersion"] = Json::string(std::to_string(rv));
    if (next < items.size()) list["metadata"]["continue"] = Json::string(std::to_string(next));
    return Reply(req, 200, list);
  }
  if (method == http::methods::GET) {
    auto object = store.Get(route.resource, route.ns, route.name);
    if (!object.ok()) return ReplyStatus(req, object.status());
    return Reply(req, 200, *object);
  }
  auto body = Body(req);
  if (!body.ok()) return Reply(req, 400, StatusObject(400, "BadRequest", body.status().message()));
  if (method == http::methods::POST && route.name.empty()) {
    auto created = store.Create(route.resource, route.ns, *body);
    if (!created.ok()) return ReplyStatus(req, created.status());
    return Reply(req, 201, *created);
  }
  if (method == http::methods::PUT && !route.name.empty()) {
    const Json& meta = body->has_field("metadata") ? body->at("metadata") : Json::object();
    if (meta.has_field("name") && meta.at("name").is_string() &&
        meta.at("name").as_string() != route.name) {
      return Reply(req, 400, StatusObject(400, "BadRequest", "name in body differs from path"));
    }
    auto updated = store.Update(route.resource, route.ns, route.name, *body, route.status);
    if (!updated.ok()) return ReplyStatus(req, updated.status());
    return Reply(req, 200, *updated);
  }
  if (method == http::methods::DEL && !route.name.empty()) {
    std::string uid, rv;
    if (body->has_field("preconditions") && body->at("preconditions").is_object()) {
      const Json& pre = body->at("preconditions");
      if (pre.has_field("uid") && pre.at("uid").is_string()) uid = pre.at("uid").as_string();
      if (pre.has_field("resourceVersion") && pre.at("resourceVersion").is_string()) {
        rv = pre.at("resourceVersion").as_string();
      }
    }
    auto deleted = store.Delete(route.resource, route.ns, route.name, uid, rv);
    if (!deleted.ok()) return ReplyStatus(req, deleted.status());
    return Reply(req, 200, *deleted);
  }
  Reply(req, 405, StatusObject(405, "MethodNotAllowed", "method not allowed on this path"));
}

void ApiServerStandin::Impl::ServeWatch(const http::http_request& req, const Route& route,
                                        WatchRequest watch) {
  Concurrency::streams::producer_consumer_buffer<uint8_t> buffer;
  http::http_response response(200);
  response.set_body(Concurrency::streams::istream(buffer), "application/json");
  try {
    req.reply(response);
  } catch (const std::exception& e) {
    LOG(WARNING) << "stand-in: watch reply failed: " << e.what();
    return;
  }
  const uint64_t generation = drop_generation.load();
  std::lock_guard<std::mutex> lock(mu);
  if (stopping) {  // Stop() already collected the threads to join: add none after it
    buffer.close(std::ios_base::out);
    return;
  }
  watches.emplace_back([this, buffer, watch = std::move(watch), generation]() mutable {
    StreamWatch(
        store, watch,
        [&buffer](const std::string& line) {
          try {
            buffer.putn_nocopy(reinterpret_cast<const uint8_t*>(line.data()), line.size()).wait();
            // Without sync() the listener waits for a full chunk: events would sit unsent.
            buffer.sync().wait();
            return true;
          } catch (const std::exception&) {
            return false;
          }
        },
        [this, generation] { return stopping.load() || drop_generation.load() != generation; });
    try {
      buffer.close(std::ios_base::out).wait();
    } catch (const std::exception&) {
    }
  });
}

void ApiServerStandin::Impl::HandleControl(const http::http_request& req, const std::string& path,
                                           const std::map<std::string, std::string>& query) {
  if (path == "/standin/faults") {
    auto body = Body(req);
    if (!body.ok()) return ReplyStatus(req, body.status());
    Faults f;
    try {
      if (body->has_field("failNext")) f.fail_next = body->at("failNext").as_integer();
      if (body->has_field("failAlways")) f.fail_always = body->at("failAlways").as_bool();
      if (body->has_field("latencyMs")) {
        f.latency = std::chrono::milliseconds(body->at("latencyMs").as_integer());
      }
      if (body->has_field("pathFilter")) f.path_filter = body->at("pathFilter").as_string();
      if (body->has_field("failCode")) f.fail_code = body->at("failCode").as_integer();
      if (body->has_field("retryAfterSeconds")) {
        f.retry_after_seconds = body->at("retryAfterSeconds").as_integer();
      }
    } catch (const std::exception& e) {
      return ReplyStatus(req, Status::InvalidArgument(std::string("faults: ") + e.what()));
    }
    std::lock_guard<std::mutex> lock(mu);
    faults = f;
    return Reply(req, 200, Json::object());
  }
  if (path == "/standin/allocate") {
    auto claim =
        AllocateAndReserve(store, Param(query, "namespace"), Param(query, "name"),
                           Param(query, "pod"), Param(query, "podUID"), Param(query, "node"));
    if (!claim.ok()) return ReplyStatus(req, claim.status());
    return Reply(req, 200, *claim);
  }
  if (path == "/standin/compact") {
    store.Compact();
    return Reply(req, 200, Json::object());
  }
  if (path == "/standin/drop-watches") {
    ++drop_generation;
    store.Wake();
    return Reply(req, 200, Json::object());
  }
  ReplyStatus(req, Status::NotFound("unknown control path " + path));
}

ApiServerStandin::ApiServerStandin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ApiServerStandin::~ApiServerStandin() { Stop(); }

StatusOr<std::unique_ptr<ApiServerStandin>> ApiServerStandin::Start(StandinOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  const bool tls = !impl->options.tls_cert_file.empty() && !impl->options.tls_key_file.empty();
  http::experimental::listener::http_listener_config config;
  if (tls) {
    const std::string cert = impl->options.tls_cert_file, key = impl->options.tls_key_file;
    const std::string client_ca = impl->options.tls_client_ca_file;
    config.set_ssl_context_callback([cert, key, client_ca](boost::asio::ssl::context& ctx) {
      if (!client_ca.empty()) {
        ctx.load_verify_file(client_ca);
        ctx.set_verify_mode(boost::asio::ssl::verify_peer |
                            boost::asio::ssl::verify_fail_if_no_peer_cert);
      }
      ctx.set_options(boost::asio::ssl::context::default_workarounds |
                      boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3);
      ctx.use_certificate_chain_file(cert);
      ctx.use_private_key_file(key, boost::asio::ssl::context::pem);
    });
  }
  Status last = Status::Unavailable("no free port");
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int port = PickFreePort();
    if (port <= 0) continue;
    const std::string url =
        std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
    try {
      auto listener =
          std::make_unique<http::experimental::listener::http_listener>(web::uri(url), config);
      Impl* raw = impl.get();
      listener->support([raw](http::http_request req) {
        try {
          raw->Handle(std::move(req));
        } catch (const std::exception& e) {
          LOG(ERROR) << "stand-in: request handler threw: " << e.what();
        }
      });
      listener->open().wait();
      impl->listener = std::move(listener);
      impl->port = port;
      impl->url = url;
      LOG(INFO) << "API server stand-in listening on " << url;
      return std::unique_ptr<ApiServerStandin>(new ApiServerStandin(std::move(impl)));
    } catch (const std::exception& e) {
      last = Status::Unavailable(url + ": " + e.what());
    }
  }
  return last;
}

void ApiServerStandin::Stop() {
  if (!impl_) return;
  std::vector<std::thread> watches;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
    watches.swap(impl_->watches);
  }
  impl_->store.Wake();
  for (auto& t : watches) t.join();
  try {
    if (impl_->listener) impl_->listener->close().wait();
  } catch (const std::exception& e) {
    LOG(WARNING) << "stand-in: close: " << e.what();
  }
}

int ApiServerStandin::port() const { return impl_->port; }
std::string ApiServerStandin::url() const { return impl_->url; }
ObjectStore& ApiServerStandin::store() { return impl_->store; }

void ApiServerStandin::SetFaults(const Faults& faults) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->faults = faults;
}

void ApiServerStandin::DropWatches() {
  ++impl_->drop_generation;
  impl_->store.Wake();
}

void ApiServerStandin::CompactHistory() { impl_->store.Compact(); }

std::vector<std::string> ApiServerStandin::RequestLog() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->log;
}

StatusOr<Json> ApiServerStandin::AllocateClaim(const std::string& ns, const std::string& name,
                                               const std::string& pod_name,
                                               const std::string& pod_uid,
                                               const std::string& node) {
  return AllocateAndReserve(impl_->store, ns, name, pod_name, pod_uid, node);
}

}  // namespace dracpu::standin
