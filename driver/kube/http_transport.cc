#include "driver/kube/http_transport.h"

#include <cpprest/containerstream.h>
#include <cpprest/http_client.h>
#include <glog/logging.h>

#include <condition_variable>
#include <mutex>

namespace dracpu::kube {
namespace {

namespace http = web::http;
using http::client::http_client;
using http::client::http_client_config;

// Waits for a cpprest task until `deadline`; on expiry cancels it through `cts` and reports
// DeadlineExceeded. Converts any exception the task throws into Unavailable.
template <typename T>
StatusOr<T> Await(pplx::task<T> task, Clock::time_point deadline,
                  pplx::cancellation_token_source cts, const std::string& what) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto shared = std::make_shared<Shared>();
  task.then([shared](pplx::task<T> done) {
    // pplx traps on an exception nobody observed; a task abandoned at the deadline would.
    try {
      done.wait();
      done.get();
    } catch (...) {
    }
    std::lock_guard<std::mutex> lock(shared->mu);
    shared->done = true;
    shared->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(shared->mu);
  if (!shared->cv.wait_until(lock, deadline, [&] { return shared->done; })) {
    lock.unlock();
    cts.cancel();
    return Status::DeadlineExceeded(what + ": deadline exceeded");
  }
  lock.unlock();
  try {
    return task.get();
  } catch (const pplx::task_canceled&) {
    return Status::DeadlineExceeded(what + ": cancelled");
  } catch (const std::exception& e) {
    return Status::Unavailable(what + ": " + e.what());
  }
}

void ConfigureTls(const ClusterConfig& cfg, boost::asio::ssl::context& ctx) {
  if (!cfg.ca_file.empty()) ctx.load_verify_file(cfg.ca_file);
  if (!cfg.ca_pem.empty()) ctx.add_certificate_authority(boost::asio::buffer(cfg.ca_pem));
  if (!cfg.client_cert_file.empty()) ctx.use_certificate_chain_file(cfg.client_cert_file);
  if (!cfg.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(cfg.client_cert_pem));
  }
  if (!cfg.client_key_file.empty()) {
    ctx.use_private_key_file(cfg.client_key_file, boost::asio::ssl::context::pem);
  }
  if (!cfg.client_key_pem.empty()) {
    ctx.use_private_key(boost::asio::buffer(cfg.client_key_pem), boost::asio::ssl::context::pem);
  }
}

http_client_config MakeClientConfig(const ClusterConfig& cfg, std::chrono::seconds idle) {
  http_client_config config;
  config.set_timeout(idle);
  config.set_validate_certificates(!cfg.insecure_skip_tls_verify);
  config.set_ssl_context_callback(
      [cfg](boost::asio::ssl::context& ctx) { ConfigureTls(cfg, ctx); });
  return config;
}

class CpprestLineStream : public LineStream {
 public:
  CpprestLineStream(std::unique_ptr<http_client> client, http::http_response response,
                    pplx::cancellation_token_source cts)
      : client_(std::move(client)), response_(std::move(response)), cts_(std::move(cts)) {}

  ~CpprestLineStream() override { cts_.cancel(); }

  int code() const override { return response_.status_code(); }

  StatusOr<std::optional<std::string>> ReadLine() override {
    try {
      auto body = response_.body();
      Concurrency::streams::container_buffer<std::string> line;
      body.read_line(line).get();
      if (line.collection().empty() && body.is_eof()) return std::optional<std::string>();
      return std::optional<std::string>(line.collection());
    } catch (const std::exception& e) {
      return Status::Unavailable(std::string("watch stream broke: ") + e.what());
    }
  }

  std::string ReadRest() override {
    try {
      return response_.extract_string(true).get();
    } catch (const std::exception& e) {
      return std::string();
    }
  }

  void Cancel() override { cts_.cancel(); }

 private:
  std::unique_ptr<http_client> client_;
  http::http_response response_;
  pplx::cancellation_token_source cts_;
};

}  // namespace

struct HttpTransport::Impl {
  ClusterConfig config;
  std::string user_agent;
  TokenSource tokens;
  std::unique_ptr<http_client> client;

  Impl(const ClusterConfig& cfg, std::string ua)
      : config(cfg), user_agent(std::move(ua)), tokens(cfg.token, cfg.token_file) {}

  StatusOr<http::http_request> MakeRequest(const http::method& method,
                                           const std::string& path_and_query) {
    http::http_request req(method);
    try {
      req.set_request_uri(web::uri(path_and_query));
    } catch (const std::exception& e) {
      return Status::InvalidArgument("bad request path " + path_and_query + ": " + e.what());
    }
    auto token = tokens.Token();
    if (!token.ok()) return token.status();
    if (!token->empty()) req.headers().add("Authorization", "Bearer " + *token);
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", user_agent);
    return req;
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

TokenSource& HttpTransport::tokens() { return impl_->tokens; }

StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(const ClusterConfig& config,
                                                               std::string user_agent) {
  try {
    boost::asio::ssl::context probe(boost::asio::ssl::context::sslv23);
    ConfigureTls(config, probe);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("TLS material (CA / client certificate): ") +
                                   e.what());
  }
  auto impl = std::make_unique<Impl>(config, std::move(user_agent));
  try {
    // The deadline of each call is enforced by Await; the idle timeout is only a backstop.
    impl->client = std::make_unique<http_client>(
        web::uri(config.server), MakeClientConfig(config, std::chrono::seconds(120)));
  } catch (const std::exception& e) {
    return Status::InvalidArgument("API server address \"" + config.server + "\": " + e.what());
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
}

StatusOr<HttpResponse> HttpTransport::Send(const std::string& method,
                                           const std::string& path_and_query,
                                           const std::string& body, const std::string& content_type,
                                           Clock::time_point deadline) {
  auto req = impl_->MakeRequest(http::method(method), path_and_query);
  if (!req.ok()) return req.status();
  if (!content_type.empty()) req->set_body(body, content_type);
  const std::string what = method + " " + path_and_query;
  pplx::cancellation_token_source cts;
  pplx::task<http::http_response> sent;
  try {
    sent = impl_->client->request(*req, cts.get_token());
  } catch (const std::exception& e) {
    return Status::Unavailable(what + ": " + e.what());
  }
  auto response = Await(sent, deadline, cts, what);
  if (!response.ok()) return response.status();
  HttpResponse out;
  out.code = response->status_code();
  const auto& headers = response->headers();
  if (auto it = headers.find("Retry-After"); it != headers.end()) {
    try {
      out.retry_after = std::chrono::seconds(std::stol(it->second));
    } catch (const std::exception&) {
      // An HTTP-date Retry-After is legal but unused by the API server; fall back to backoff.
    }
  }
  pplx::task<std::string> text;
  try {
    text = response->extract_string(true);
  } catch (const std::exception& e) {
    return Status::Unavailable(what + ": reading body: " + e.what());
  }
  auto body_text = Await(text, deadline, cts, what + " (body)");
  if (!body_text.ok()) return body_text.status();
  out.body = std::move(body_text).value();
  return out;
}

StatusOr<std::unique_ptr<LineStream>> HttpTransport::OpenStream(const std::string& path_and_query,
                                                                Clock::time_point header_deadline,
                                                                std::chrono::seconds idle_timeout) {
  auto req = impl_->MakeRequest(http::methods::GET, path_and_query);
  if (!req.ok()) return req.status();
  const std::string what = "GET " + path_and_query;
  std::unique_ptr<http_client> client;
  pplx::cancellation_token_source cts;
  pplx::task<http::http_response> sent;
  try {
    client = std::make_unique<http_client>(web::uri(impl_->config.server),
                                           MakeClientConfig(impl_->config, idle_timeout));
    sent = client->request(*req, cts.get_token());
  } catch (const std::exception& e) {
    return Status::Unavailable(what + ": " + e.what());
  }
  auto response = Await(sent, header_deadline, cts, what);
  if (!response.ok()) return response.status();
  return std::unique_ptr<LineStream>(
      new CpprestLineStream(std::move(client), std::move(response).value(), cts));
}

}  // namespace dracpu::kube
