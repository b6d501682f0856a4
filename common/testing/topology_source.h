// The machine a rig runs on, named the way `make demo TOPOLOGY=...` names it:
//   <fixture>                    a real machine's sysfs dump from ../shared/topologies
//   host                         this machine's own /sys (read only, used in place)
//   generated:1024               testing/synthetic_topology.h's Shape1024 (also 4096)
//   generated:<S>s<N>n<L>l<C>c<T>t   any regular shape, e.g. generated:2s2n1l4c2t
// so one rig serves the demo, the e2e scenarios and the benchmarks on any of them.

#ifndef DRACPU_COMMON_TESTING_TOPOLOGY_SOURCE_H_
#define DRACPU_COMMON_TESTING_TOPOLOGY_SOURCE_H_

#include <string>

#include "common/status.h"
#include "common/testing/synthetic_topology.h"
#include "common/testing/topology_fixtures.h"

namespace dracpu::testing {

// "1024", "4096" or a SyntheticShape::Name() ("2s8n4l8c2t"). InvalidArgument otherwise, and for
// shapes with a zero or absurd (> 8192 CPUs) size.
StatusOr<SyntheticShape> ParseShapeName(const std::string& name);

// A sysfs root for `topology`: extracted or generated into a temporary folder (removed with the
// value), or "/sys" for host (dir is then null). NotFound for an unknown fixture name.
StatusOr<ExtractedFixture> OpenTopology(const std::string& topologies_dir,
                                        const std::string& topology);

}  // namespace dracpu::testing

#endif  // DRACPU_COMMON_TESTING_TOPOLOGY_SOURCE_H_
