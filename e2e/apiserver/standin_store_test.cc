// The stand-in's pure parts: routes, field selectors, the object store's versions, conflicts
// and history, and the watch stream generator.

#include <catch2/catch.hpp>

#include "e2e/apiserver/field_selector.h"
#include "e2e/apiserver/object_store.h"
#include "e2e/apiserver/standin_routes.h"
#include "e2e/apiserver/watch_stream.h"

namespace dracpu::standin {
namespace {

Json Parse(const std::string& text) {
  std::error_code ec;
  Json v = Json::parse(text, ec);
  REQUIRE_FALSE(ec);
  return v;
}

std::string Rv(const Json& o) { return o.at("metadata").at("resourceVersion").as_string(); }

TEST_CASE("routes", "[standin]") {
  auto r = ParseRoute("/apis/resource.k8s.io/v1beta2/namespaces/ns/resourceclaims/c/status");
  REQUIRE(r.ok());
  CHECK(r->version == "v1beta2");
  CHECK(r->resource == "resourceclaims");
  CHECK(r->ns == "ns");
  CHECK(r->name == "c");
  CHECK(r->status);
  CHECK(ParseRoute("/apis/resource.k8s.io")->group_discovery);
  CHECK(ParseRoute("/api/v1/nodes/n1")->name == "n1");
  CHECK(ParseRoute("/api/v1/pods")->resource == "pods");
  CHECK(ParseRoute("/apis/resource.k8s.io/v1/resourceclaims")->ns.empty());
  CHECK(ParseRoute("/apis/resource.k8s.io/v1/resourceclaims/c").status().IsNotFound());
  CHECK(ParseRoute("/apis/resource.k8s.io/v1/namespaces/x/resourceslices").status().IsNotFound());
  CHECK(ParseRoute("/api/v1/resourceslices").status().IsNotFound());
  CHECK(ParseRoute("/apis/resource.k8s.io/v1/resourceslices/a/b").status().IsNotFound());
  CHECK(ParseRoute("/healthz").status().IsNotFound());
  CHECK(KindOf("deviceclasses") == "DeviceClass");
}

TEST_CASE("field selectors", "[standin]") {
  Json o = Parse(R"({"spec": {"driver": "dra.cpu", "nodeName": "a", "all": true}})");
  auto m = [&](const std::string& s) { return FieldSelectorMatcher::Parse(s)->Matches(o); };
  CHECK(m(""));
  CHECK(m("spec.driver=dra.cpu,spec.nodeName=a"));
  CHECK(m("spec.driver==dra.cpu"));
  CHECK_FALSE(m("spec.driver=dra.cpu,spec.nodeName=b"));
  CHECK(m("spec.nodeName!=b"));
  CHECK_FALSE(m("spec.nodeName!=a"));
  CHECK(m("spec.pool.name="));  // absent reads as empty
  CHECK(m("spec.all=true"));
  CHECK_FALSE(FieldSelectorMatcher::Parse("spec.driver").ok());
  CHECK_FALSE(FieldSelectorMatcher::Parse("=x").ok());
}

TEST_CASE("store: versions, generateName, conflicts, preconditions", "[standin]") {
  ObjectStore store;
  auto a = store.Create("resourceslices", "", Parse(R"({"metadata": {"generateName": "s-"},
                                                      "spec": {"x": 1}})"));
  REQUIRE(a.ok());
  const std::string name = a->at("metadata").at("name").as_string();
  CHECK(name.size() == 7);
  CHECK(a->at("metadata").at("generation").as_integer() == 1);
  CHECK(store.Create("resourceslices", "", *a).status().code() == Status::Code::kAlreadyExists);

  Json same_spec = *a;
  same_spec["metadata"]["labels"]["k"] = Json::string("v");
  auto b = store.Update("resourceslices", "", name, same_spec, false);
  REQUIRE(b.ok());
  CHECK(std::stoll(Rv(*b)) > std::stoll(Rv(*a)));
  CHECK(b->at("metadata").at("generation").as_integer() == 1);  // metadata only
  Json new_spec = *b;
  new_spec["spec"]["x"] = Json::number(2);
  auto c = store.Update("resourceslices", "", name, new_spec, false);
  REQUIRE(c.ok());
  CHECK(c->at("metadata").at("generation").as_integer() == 2);
  CHECK(store.Update("resourceslices", "", name, *a, false).status().code() ==
        Status::Code::kAborted);
  CHECK(store.Update("resourceslices", "", "nope", *a, false).status().IsNotFound());

  // status_only keeps the spec.
  Json status = *c;
  status["spec"]["x"] = Json::number(99);
  status["status"]["ok"] = Json::boolean(true);
  auto d = store.Update("resourceslices", "", name, status, true);
  REQUIRE(d.ok());
  CHECK(d->at("spec").at("x").as_integer() == 2);
  CHECK(d->at("status").at("ok").as_bool());

  CHECK(store.Delete("resourceslices", "", name, "bad-uid", "").status().code() ==
        Status::Code::kAborted);
  CHECK(store.Delete("resourceslices", "", name, "", Rv(*a)).status().code() ==
        Status::Code::kAborted);
  CHECK(store.Delete("resourceslices", "", name, "", Rv(*d)).ok());
  CHECK(store.Get("resourceslices", "", name).status().IsNotFound());
}

TEST_CASE("store: namespaces, history and compaction", "[standin]") {
  ObjectStore store;
  const int64_t start = store.CurrentRv();
  REQUIRE(store.Create("resourceclaims", "ns1", Parse(R"({"metadata": {"name": "c"}})")).ok());
  REQUIRE(store.Create("resourceclaims", "ns2", Parse(R"({"metadata": {"name": "c"}})")).ok());
  FieldSelectorMatcher all;
  int64_t rv;
  CHECK(store.List("resourceclaims", "ns1", all, &rv).size() == 1);
  CHECK(store.List("resourceclaims", "", all, &rv).size() == 2);
  CHECK(rv == store.CurrentRv());
  auto events = store.EventsAfter(start, "resourceclaims", "ns2", all);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  CHECK(events->at(0).type == "ADDED");
  store.Compact();
  CHECK(store.EventsAfter(start, "resourceclaims", "", all).status().code() ==
        Status::Code::kFailedPrecondition);
  CHECK(store.EventsAfter(store.CurrentRv(), "resourceclaims", "", all).ok());
}

TEST_CASE("watch stream: replay, ERROR 410 for compacted versions, timeout", "[standin]") {
  ObjectStore store;
  const int64_t start = store.CurrentRv();
  REQUIRE(store.Create("resourceslices", "", Parse(R"({"metadata": {"name": "a"}})")).ok());
  REQUIRE(store.Delete("resourceslices", "", "a", "", "").ok());
  WatchRequest w{"resourceslices", "", "resource.k8s.io/v1", FieldSelectorMatcher(),
                 std::to_string(start)};
  w.timeout = std::chrono::seconds(1);
  std::vector<std::string> lines;
  auto collect = [&](const std::string& line) {
    lines.push_back(line);
    return true;
  };
  auto never = [] { return false; };
  StreamWatch(store, w, collect, [&] { return lines.size() >= 2; });
  REQUIRE(lines.size() == 2);
  CHECK(Parse(lines[0]).at("type").as_string() == "ADDED");
  CHECK(Parse(lines[1]).at("type").as_string() == "DELETED");
  CHECK(lines[0].back() == '\n');

  store.Compact();
  lines.clear();
  StreamWatch(store, w, collect, never);
  REQUIRE(lines.size() == 1);
  Json err = Parse(lines[0]);
  CHECK(err.at("type").as_string() == "ERROR");
  CHECK(err.at("object").at("code").as_integer() == 410);

  // No resourceVersion: current objects first, as ADDED.
  REQUIRE(store.Create("resourceslices", "", Parse(R"({"metadata": {"name": "b"}})")).ok());
  lines.clear();
  w.resource_version = "";
  w.bookmarks = true;
  w.bookmark_interval = std::chrono::milliseconds(0);
  StreamWatch(store, w, collect, [&] { return lines.size() >= 2; });
  REQUIRE(lines.size() >= 2);
  CHECK(Parse(lines[0]).at("object").at("metadata").at("name").as_string() == "b");
  CHECK(Parse(lines[1]).at("type").as_string() == "BOOKMARK");
  CHECK(Parse(lines[1]).at("object").at("metadata").at("resourceVersion").as_string() ==
        std::to_string(store.CurrentRv()));
}

}  // namespace
}  // namespace dracpu::standin
