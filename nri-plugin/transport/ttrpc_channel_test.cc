// ttrpc client and server over a socketpair: round trips, error statuses, deadlines,
// concurrency, and the error paths of a raw peer (truncation, oversize, garbage, stream ids).

#include "nri-plugin/transport/ttrpc_channel.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "nri-plugin/transport/testing/raw_peer.h"
#include "proto/ttrpc.pb.h"

namespace dracpu::ttrpc {
namespace {

using namespace std::chrono_literals;
using testing::FromHex;
using testing::ReadTtrpcMessage;

const char kSvc[] = "test.v1.Echo";

void RegisterEcho(TtrpcServer& server) {
  server.Register(kSvc, "Reverse", [](std::string_view p, const CallContext&) {
    return StatusOr<std::string>(std::string(p.rbegin(), p.rend()));
  });
  server.Register(kSvc, "Fail", [](std::string_view p, const CallContext&) {
    return StatusOr<std::string>(Status::NotFound("no such thing: " + std::string(p)));
  });
  server.Register(kSvc, "Slow", [](std::string_view p, const CallContext&) {
    std::this_thread::sleep_for(300ms);
    return StatusOr<std::string>(std::string(p));
  });
  server.Register(kSvc, "Deadline", [](std::string_view, const CallContext& ctx) {
    return StatusOr<std::string>(ctx.deadline ? "set" : "none");
  });
  server.Register(kSvc, "Throw", [](std::string_view, const CallContext&) -> StatusOr<std::string> {
    throw std::runtime_error("boom");
  });
}

struct Pair {
  Pair() {
    UniqueFd a, b;
    REQUIRE(SocketPair(&a, &b).ok());
    server = std::make_unique<TtrpcChannel>(std::move(a));
    client = std::make_unique<TtrpcChannel>(std::move(b));
    RegisterEcho(server->server());
    server->Start();
    client->Start();
  }
  std::unique_ptr<TtrpcChannel> server;
  std::unique_ptr<TtrpcChannel> client;
};

TEST_CASE("ttrpc round trip over a socketpair") {
  Pair p;
  StatusOr<std::string> r = p.client->client().Call(kSvc, "Reverse", "abc");
  REQUIRE(r.ok());
  CHECK(*r == "cba");
  r = p.client->client().Call(kSvc, "Reverse", "");
  REQUIRE(r.ok());
  CHECK(r->empty());
  r = p.client->client().Call(kSvc, "Deadline", "", 2s);
  CHECK(*r == "set");
  r = p.client->client().Call(kSvc, "Deadline", "");
  CHECK(*r == "none");
}

TEST_CASE("unknown service and method answer UNIMPLEMENTED with Go's messages") {
  Pair p;
  StatusOr<std::string> r = p.client->client().Call("nope.Svc", "Reverse", "");
  CHECK(r.status().message() == "rpc error UNIMPLEMENTED: service nope.Svc");
  r = p.client->client().Call(kSvc, "Nope", "");
  CHECK(r.status().message() == "rpc error UNIMPLEMENTED: method Nope");
}

TEST_CASE("a handler's error reaches the caller with its code, a throwing handler is INTERNAL") {
  Pair p;
  StatusOr<std::string> r = p.client->client().Call(kSvc, "Fail", "x");
  CHECK(r.status().IsNotFound());
  CHECK(r.status().message() == "rpc error NOT_FOUND: no such thing: x");
  r = p.client->client().Call(kSvc, "Throw", "");
  CHECK(r.status().code() == Status::Code::kInternal);
  CHECK(p.client->client().Call(kSvc, "Reverse", "ok").ok());  // the server lives on
}

TEST_CASE("a call past its deadline fails, the late response is dropped, the next call works") {
  Pair p;
  StatusOr<std::string> r = p.client->client().Call(kSvc, "Slow", "late", 50ms);
  CHECK(r.status().code() == Status::Code::kDeadlineExceeded);
  r = p.client->client().Call(kSvc, "Reverse", "xy", 2s);
  REQUIRE(r.ok());
  CHECK(*r == "yx");
}

TEST_CASE("concurrent calls each get their own answer") {
  Pair p;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string in = std::to_string(t) + ":" + std::to_string(i);
        StatusOr<std::string> r = p.client->client().Call(kSvc, "Reverse", in, 5s);
        if (r.ok() && *r == std::string(in.rbegin(), in.rend())) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good == 400);
}

TEST_CASE("when the server goes away pending and later calls fail Unavailable") {
  std::atomic<bool> closed{false};
  UniqueFd a, b;
  REQUIRE(SocketPair(&a, &b).ok());
  auto server = std::make_unique<TtrpcChannel>(std::move(a));
  RegisterEcho(server->server());
  server->Start();
  TtrpcChannel client(std::move(b));
  client.Start([&](const Status& why) { closed = why.ok(); });
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    server.reset();
  });
  StatusOr<std::string> r = client.client().Call(kSvc, "Slow", "x");  // no deadline
  killer.join();
  CHECK(r.status().IsUnavailable());
  REQUIRE(client.WaitClosed(2s));
  CHECK(closed);
  CHECK(client.client().Call(kSvc, "Reverse", "x").status().IsUnavailable());
}

// A raw peer on one end, our channel (serving Echo) on the other.
struct RawClient {
  RawClient() {
    UniqueFd a;
    REQUIRE(SocketPair(&a, &raw).ok());
    channel = std::make_unique<TtrpcChannel>(std::move(a));
    RegisterEcho(channel->server());
    channel->Start([this](const Status& why) {
      std::lock_guard<std::mutex> lock(mu);
      end = why;
    });
  }
  void Send(const std::string& bytes) { REQUIRE(SendAll(raw.get(), bytes).ok()); }
  std::string Request(uint32_t id, const std::string& method, const std::string& payload,
                      uint8_t flags = 0) {
    ::ttrpc::Request req;
    req.set_service(kSvc);
    req.set_method(method);
    req.set_payload(payload);
    return *EncodeFrame(id, MessageType::kRequest, flags, req.SerializeAsString());
  }
  // Reads one Response: {stream id, status code, payload}.
  std::tuple<uint32_t, int, std::string> Read() {
    StatusOr<std::string> msg = ReadTtrpcMessage(raw.get());
    REQUIRE(msg.ok());
    FrameHeader h = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(msg->data()));
    REQUIRE(h.type == 2);
    ::ttrpc::Response resp;
    REQUIRE(resp.ParseFromString(msg->substr(10)));
    return {h.stream_id, resp.status().code(), resp.payload()};
  }
  Status End() {
    REQUIRE(channel->WaitClosed(5s));
    std::lock_guard<std::mutex> lock(mu);
    return end;
  }
  UniqueFd raw;
  std::unique_ptr<TtrpcChannel> channel;
  std::mutex mu;
  Status end;
};

TEST_CASE("stream id rules: odd and strictly increasing, else INVALID_ARGUMENT") {
  RawClient c;
  c.Send(c.Request(2, "Reverse", "ab"));
  CHECK(c.Read() == std::make_tuple(2u, 3, std::string()));
  c.Send(c.Request(5, "Reverse", "ab"));
  CHECK(c.Read() == std::make_tuple(5u, 0, std::string("ba")));
  c.Send(c.Request(5, "Reverse", "ab"));
  CHECK(c.Read() == std::make_tuple(5u, 3, std::string()));
  c.Send(c.Request(3, "Reverse", "ab"));
  CHECK(c.Read() == std::make_tuple(3u, 3, std::string()));
  c.Send(c.Request(7, "Reverse", "cd", kFlagRemoteClosed));  // Go NewStream sets 0x01
  CHECK(c.Read() == std::make_tuple(7u, 0, std::string("dc")));
}

TEST_CASE("Data and unknown message types are ignored, the next request is answered") {
  RawClient c;
  c.Send(*EncodeFrame(1, MessageType::kData, 0, "stream data"));
  c.Send(*EncodeFrame(3, static_cast<MessageType>(0x7f), 0x80, "future"));
  c.Send(c.Request(5, "Reverse", "ok"));
  CHECK(c.Read() == std::make_tuple(5u, 0, std::string("ko")));
}

TEST_CASE("an undecodable request envelope is answered INVALID_ARGUMENT") {
  RawClient c;
  c.Send(*EncodeFrame(1, MessageType::kRequest, 0, FromHex("0a ff ff")));
  CHECK(std::get<1>(c.Read()) == 3);
  c.Send(c.Request(3, "Reverse", "ok"));
  CHECK(c.Read() == std::make_tuple(3u, 0, std::string("ko")));
}

TEST_CASE("a request above 4 MiB is skipped and answered RESOURCE_EXHAUSTED") {
  RawClient c;
  std::string big(kMaxDataLength + 1, 'z');
  std::string header(10, '\0');
  EncodeFrameHeader({static_cast<uint32_t>(big.size()), 1, 1, 0},
                    reinterpret_cast<uint8_t*>(header.data()));
  std::thread writer([&] { c.Send(header + big + c.Request(3, "Reverse", "ab")); });
  auto first = c.Read();
  auto second = c.Read();
  writer.join();
  CHECK(first == std::make_tuple(1u, 8, std::string()));
  CHECK(second == std::make_tuple(3u, 0, std::string("ba")));
}

TEST_CASE("a flood beyond the request queue is answered RESOURCE_EXHAUSTED at once") {
  UniqueFd a, raw;
  REQUIRE(SocketPair(&a, &raw).ok());
  TtrpcChannel channel(std::move(a));
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  channel.server().Register(kSvc, "Gate", [&](std::string_view, const CallContext&) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return open; });
    return StatusOr<std::string>(std::string("done"));
  });
  channel.Start();
  ::ttrpc::Request req;
  req.set_service(kSvc);
  req.set_method("Gate");
  const uint32_t n = TtrpcServer::kMaxQueuedRequests + 6;
  // One running, kMaxQueuedRequests waiting: the last five are turned away.
  std::string first = *EncodeFrame(1, MessageType::kRequest, 0, req.SerializeAsString());
  REQUIRE(SendAll(raw.get(), first).ok());
  std::this_thread::sleep_for(100ms);  // let the dispatch thread take the first one
  std::string wire;
  for (uint32_t i = 1; i < n; ++i) {
    wire += *EncodeFrame(2 * i + 1, MessageType::kRequest, 0, req.SerializeAsString());
  }
  REQUIRE(SendAll(raw.get(), wire).ok());
  auto read_reply = [&]() {
    StatusOr<std::string> msg = ReadTtrpcMessage(raw.get());
    REQUIRE(msg.ok());
    ::ttrpc::Response resp;
    REQUIRE(resp.ParseFromString(msg->substr(10)));
    return std::make_pair(
        DecodeFrameHeader(reinterpret_cast<const uint8_t*>(msg->data())).stream_id,
        resp.status().code());
  };
  for (uint32_t i = n - 5; i < n; ++i) CHECK(read_reply() == std::make_pair(2 * i + 1, 8));
  {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
  for (uint32_t i = 0; i < n - 5; ++i) CHECK(read_reply() == std::make_pair(2 * i + 1, 0));
}

TEST_CASE("a truncated header closes the connection with a reason") {
  RawClient c;
  c.Send(FromHex("00 00 00 05 00"));
  c.raw.Reset();
  Status end = c.End();
  CHECK(end.IsCorruption());
  CHECK(end.message().find("ended inside a ttrpc message") != std::string::npos);
}

TEST_CASE("a truncated body closes the connection with a reason") {
  RawClient c;
  std::string msg = c.Request(1, "Reverse", "abcdef");
  c.Send(msg.substr(0, msg.size() - 3));
  c.raw.Reset();
  CHECK(c.End().IsCorruption());
}

TEST_CASE("garbage (reserved length byte set) closes the connection") {
  RawClient c;
  c.Send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  CHECK(testing::PeerClosed(c.raw.get()));
  CHECK(c.End().IsCorruption());
}

TEST_CASE("the client accepts a response without status and drops one for an unknown stream") {
  UniqueFd a, raw;
  REQUIRE(SocketPair(&a, &raw).ok());
  TtrpcChannel channel(std::move(a));
  channel.Start();
  std::thread server([&] {
    StatusOr<std::string> req = ReadTtrpcMessage(raw.get());
    REQUIRE(req.ok());
    FrameHeader h = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(req->data()));
    CHECK(h.stream_id == 1);
    CHECK(h.flags == 0);
    // First a stray response, then the real one: status absent, payload "hi".
    REQUIRE(SendAll(raw.get(), *EncodeFrame(99, MessageType::kResponse, 0, "")).ok());
    REQUIRE(SendAll(raw.get(), *EncodeFrame(1, MessageType::kResponse, 0, FromHex("12 02 68 69")))
                .ok());
  });
  StatusOr<std::string> r = channel.client().Call(kSvc, "Reverse", "x", 5s);
  server.join();
  REQUIRE(r.ok());
  CHECK(*r == "hi");
}

}  // namespace
}  // namespace dracpu::ttrpc
