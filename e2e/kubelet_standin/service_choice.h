// Which DRA and health services a kubelet of a given minor version picks from a plugin's
// advertised `supported_versions` (shared/spec/kubelet-dra.md §3, §5). Pure.
//   1.32, 1.33: the kubelet's own order (v1beta1); v1alpha4-only plugins are not emulated.
//   1.34+:      the first entry of the plugin's list the kubelet knows (v1 or v1beta1).
//   health:     used only when advertised; v1alpha1 from 1.34; from 1.37 v1, preferred
//               over v1alpha1 whatever the plugin's order.

#ifndef DRACPU_E2E_KUBELET_STANDIN_SERVICE_CHOICE_H_
#define DRACPU_E2E_KUBELET_STANDIN_SERVICE_CHOICE_H_

#include <string>
#include <vector>

#include "common/status.h"

namespace dracpu::standin {

// Returns "v1" or "v1beta1" (the DRA node API version), or why registration fails.
StatusOr<std::string> ChooseDraApi(int kubelet_minor, const std::vector<std::string>& advertised);

// Returns the health service string ("v1alpha1.DRAResourceHealth", ...) or "" for none.
std::string ChooseHealthService(int kubelet_minor, const std::vector<std::string>& advertised);

}  // namespace dracpu::standin

#endif  // DRACPU_E2E_KUBELET_STANDIN_SERVICE_CHOICE_H_
