#include "common/http_routes.h"

namespace dracpu {
namespace {

constexpr const char* kPlainText = "text/plain; charset=utf-8";

HttpReply Reply(int status, const char* content_type, std::string body) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = content_type;
  reply.body = std::move(body);
  return reply;
}

}  // namespace

HttpReply RouteObservabilityRequest(std::string_view method, std::string_view path,
                                    const ReadinessCheck& readiness,
                                    const metrics::Registry* registry) {
  if (path != "/healthz" && path != "/metrics") return Reply(404, kPlainText, "not found");
  if (method != "GET") {
    HttpReply reply = Reply(405, kPlainText, "method not allowed");
    reply.allow = "GET";
    return reply;
  }
  if (path == "/metrics") {
    return Reply(200, metrics::kTextContentType, registry ? registry->Render() : "");
  }
  const Status status = readiness ? readiness() : Status::OK();
  if (status.ok()) return Reply(200, kPlainText, "ok");
  // An empty message would leave the probe's event blank; the code name still says something.
  return Reply(503, kPlainText, status.message().empty() ? status.ToString() : status.message());
}

}  // namespace dracpu
