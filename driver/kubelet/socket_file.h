// Unix socket files for gRPC servers: stale files from a previous run, folder and socket
// permissions, cleanup on exit. The kubelet runs as root, so nobody else needs access.

#ifndef DRACPU_DRIVER_KUBELET_SOCKET_FILE_H_
#define DRACPU_DRIVER_KUBELET_SOCKET_FILE_H_

#include <string>

#include "common/status.h"

namespace dracpu::kubelet {

// Gets `path` ready for bind(): creates missing parent folders (0700), restricts the parent to
// 0700 when `own_parent` (a folder only this driver uses, e.g. plugins/dra.cpu; never the
// kubelet's shared plugins_registry), and removes a socket left by an earlier run.
// Refuses (FailedPrecondition) to remove anything that is not a socket, and a path too long
// for sockaddr_un (InvalidArgument).
Status PrepareSocketPath(const std::string& path, bool own_parent);

// chmod 0600 on a socket the server just created (gRPC binds with the process umask).
Status RestrictSocket(const std::string& path);

// Removes the socket if it is still one; a missing file is fine.
void RemoveSocket(const std::string& path);

// The gRPC address of a unix socket path.
inline std::string UnixAddress(const std::string& path) { return "unix:" + path; }

}  // namespace dracpu::kubelet

#endif  // DRACPU_DRIVER_KUBELET_SOCKET_FILE_H_
