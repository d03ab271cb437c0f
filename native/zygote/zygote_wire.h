// What the worker proxy (native/worker-proxy/) and the zygote (zygote.cc) say to each other over the zygote's
// Unix socket. The proxy sends a 4-byte length carrying its standard descriptors and IPC channel (SCM_RIGHTS),
// then that many bytes: its working directory and environment, each NUL-terminated. The zygote answers with the
// forked worker's pid (or -errno), and later with the worker's wait status; both are 4-byte ints.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace ephpm {

// The zygote's socket, in a proxy's environment (the proxy removes it from what the worker gets).
constexpr const char* kZygoteSocketEnv = "EPHPM_ZYGOTE";
// stdin, stdout, stderr and Node's IPC channel (NODE_CHANNEL_FD=3), in that order.
constexpr int kPassedDescriptors = 4;
constexpr uint32_t kMaxRequestBytes = 16 * 1024 * 1024;

// The address of the zygote's socket at `path`; false when the path is too long for one.
inline bool socket_address(const std::string& path, sockaddr_un& address) {
  address = {};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return false;
  memcpy(address.sun_path, path.c_str(), path.size());
  return true;
}

inline bool write_fully(int fd, const void* data, size_t size) {
  const char* next = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = write(fd, next, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    next += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

inline bool read_fully(int fd, void* data, size_t size) {
  char* next = static_cast<char*>(data);
  while (size > 0) {
    ssize_t got = read(fd, next, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    next += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

}  // namespace ephpm
