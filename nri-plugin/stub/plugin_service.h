// The NRI Plugin service of one runtime connection (ttrpc-and-nri.md C, D.2): Configure answers
// the event mask, Synchronize collects pages (NRI >= v0.7 splits large syncs: every page but the
// last has more=true and must be answered {more: true} with no updates) and hands their union to
// the handlers, StateChange (NRI <= v0.11) and the dedicated event RPCs (v0.12) reach the same
// handlers. Every event RPC is served (an unsubscribed one by the handler's default), so no
// runtime version ever sees UNIMPLEMENTED for an event this API knows; newer ones
// (UpdatePodSandbox, ValidateContainerAdjustment) are never subscribed and answer UNIMPLEMENTED.
//
// One instance per connection (it holds the paging state); used on the dispatch thread only.

#ifndef DRACPU_NRI_PLUGIN_STUB_PLUGIN_SERVICE_H_
#define DRACPU_NRI_PLUGIN_STUB_PLUGIN_SERVICE_H_

#include <cstdint>
#include <functional>

#include "nri-plugin/stub/plugin_handlers.h"
#include "nri-plugin/transport/ttrpc_server.h"

namespace dracpu::nri {

inline constexpr char kPluginService[] = "nri.pkg.api.v1alpha1.Plugin";
inline constexpr char kRuntimeService[] = "nri.pkg.api.v1alpha1.Runtime";

class PluginService {
 public:
  // REQUIRES: handlers outlives the server this is registered on. on_synchronized runs after
  // the last Synchronize page was answered successfully.
  PluginService(PluginHandlers* handlers, int32_t events, std::function<void()> on_synchronized)
      : handlers_(handlers), events_(events), on_synchronized_(std::move(on_synchronized)) {}

  // REQUIRES: this outlives the server's dispatch (Stop()).
  void RegisterOn(ttrpc::TtrpcServer& server);

 private:
  StatusOr<api::SynchronizeResponse> Synchronize(const api::SynchronizeRequest& page);
  Status StateChange(const api::StateChangeEvent& ev);

  PluginHandlers* const handlers_;
  const int32_t events_;
  std::function<void()> on_synchronized_;
  api::SynchronizeRequest pages_;  // union of the pages received so far
};

}  // namespace dracpu::nri

#endif  // DRACPU_NRI_PLUGIN_STUB_PLUGIN_SERVICE_H_
