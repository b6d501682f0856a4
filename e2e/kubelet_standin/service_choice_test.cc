#include "e2e/kubelet_standin/service_choice.h"

#include <catch2/catch.hpp>

namespace dracpu::standin {

TEST_CASE("kubelet 1.34+ takes the plugin's first DRA service it knows", "[standin]") {
  CHECK(*ChooseDraApi(34, {"v1.DRAPlugin", "v1beta1.DRAPlugin"}) == "v1");
  CHECK(*ChooseDraApi(36, {"v1beta1.DRAPlugin", "v1.DRAPlugin"}) == "v1beta1");
  CHECK(*ChooseDraApi(35, {"v1alpha1.DRAResourceHealth", "v1.DRAPlugin"}) == "v1");
  auto none = ChooseDraApi(34, {"v1alpha3.NodeService"});
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("none of services supported") != std::string::npos);
}

TEST_CASE("kubelet 1.32/1.33 use their own order: v1beta1", "[standin]") {
  CHECK(*ChooseDraApi(32, {"v1.DRAPlugin", "v1beta1.DRAPlugin"}) == "v1beta1");
  CHECK(*ChooseDraApi(33, {"v1beta1.DRAPlugin"}) == "v1beta1");
  CHECK_FALSE(ChooseDraApi(33, {"v1.DRAPlugin"}).ok());
  CHECK_FALSE(ChooseDraApi(34, {}).ok());
  CHECK_FALSE(ChooseDraApi(31, {"v1beta1.DRAPlugin"}).ok());
}

TEST_CASE("health service only when advertised and known", "[standin]") {
  std::vector<std::string> all = {"v1.DRAPlugin", "v1.DRAResourceHealth",
                                  "v1alpha1.DRAResourceHealth"};
  CHECK(ChooseHealthService(33, all).empty());
  CHECK(ChooseHealthService(34, all) == "v1alpha1.DRAResourceHealth");
  CHECK(ChooseHealthService(37, all) == "v1.DRAResourceHealth");
  CHECK(ChooseHealthService(36, {"v1.DRAPlugin"}).empty());
  // v1 wins when both are listed, whatever the order.
  CHECK(ChooseHealthService(37, {"v1alpha1.DRAResourceHealth", "v1.DRAResourceHealth"}) ==
        "v1.DRAResourceHealth");
  CHECK(ChooseHealthService(36, {"v1alpha1.DRAResourceHealth", "v1.DRAResourceHealth"}) ==
        "v1alpha1.DRAResourceHealth");
}

}  // namespace dracpu::standin
