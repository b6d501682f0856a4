#include "e2e/runtime_standin/sync_pages.h"

#include <catch2/catch.hpp>

namespace dracpu::standin {
namespace {

api::SynchronizeRequest Many(int pods, int containers) {
  api::SynchronizeRequest all;
  for (int i = 0; i < pods; ++i) all.add_pods()->set_id("pod-" + std::to_string(i));
  for (int i = 0; i < containers; ++i) {
    api::Container* c = all.add_containers();
    c->set_id("ctr-" + std::to_string(i));
    c->add_env("PATH=/usr/bin:/bin");
  }
  return all;
}

TEST_CASE("a Synchronize that fits is one page with more unset") {
  StatusOr<std::vector<api::SynchronizeRequest>> pages = PageSynchronize(Many(3, 5), 4096, true);
  REQUIRE(pages.ok());
  REQUIRE(pages->size() == 1);
  CHECK_FALSE(pages->at(0).more());
  CHECK(pages->at(0).containers_size() == 5);
}

TEST_CASE("a large Synchronize is paged in order, each page within budget") {
  api::SynchronizeRequest all = Many(100, 1000);
  StatusOr<std::vector<api::SynchronizeRequest>> pages = PageSynchronize(all, 2000, true);
  REQUIRE(pages.ok());
  REQUIRE(pages->size() > 10);
  api::SynchronizeRequest joined;
  for (size_t i = 0; i < pages->size(); ++i) {
    const api::SynchronizeRequest& p = pages->at(i);
    CHECK(p.ByteSizeLong() <= 2000);
    CHECK(p.more() == (i + 1 < pages->size()));
    joined.mutable_pods()->MergeFrom(p.pods());
    joined.mutable_containers()->MergeFrom(p.containers());
  }
  CHECK(joined.SerializeAsString() == all.SerializeAsString());
}

TEST_CASE("without paging (NRI < v0.7) an oversize Synchronize fails") {
  StatusOr<std::vector<api::SynchronizeRequest>> pages = PageSynchronize(Many(10, 100), 500, false);
  REQUIRE_FALSE(pages.ok());
  CHECK(pages.status().IsResourceExhausted());
  api::SynchronizeRequest huge;
  huge.add_containers()->set_id(std::string(3000, 'x'));
  CHECK(PageSynchronize(huge, 1000, true).status().IsResourceExhausted());
}

}  // namespace
}  // namespace dracpu::standin
