#include "http/direct_socket.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>

namespace ephpm {
namespace {

std::mutex g_mutex;
int64_t g_last_id = 0;
// Never freed: requests on the PHP thread may still hold sockets at exit.
auto* g_sockets = new std::unordered_map<int64_t, std::shared_ptr<DirectSocket>>();

}  // namespace

DirectSocket::~DirectSocket() { close(fd_); }

void DirectSocket::expect(uint64_t request_id, int keep_alive_seconds) {
  keep_alive_seconds_.store(keep_alive_seconds);
  pending_.store(request_id);
}

int64_t adopt_socket(int node_fd) {
  int fd = fcntl(node_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return -1;
  std::lock_guard<std::mutex> lock(g_mutex);
  int64_t id = ++g_last_id;
  (*g_sockets)[id] = std::make_shared<DirectSocket>(fd);
  return id;
}

void release_socket(int64_t id) {
  std::shared_ptr<DirectSocket> released;  // closes outside the lock
  std::lock_guard<std::mutex> lock(g_mutex);
  auto found = g_sockets->find(id);
  if (found == g_sockets->end()) return;
  released = std::move(found->second);
  g_sockets->erase(found);
}

std::shared_ptr<DirectSocket> find_socket(int64_t id) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto found = g_sockets->find(id);
  return found == g_sockets->end() ? nullptr : found->second;
}

void raise_descriptor_limit() {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace ephpm
