// Client sockets PHP may write complete responses to without a hop through
// Node (see docs/ARCHITECTURE.md, "Complete responses skip Node").
//
// Node keeps owning its socket; the addon works on a dup of it, so a socket
// Node closes while PHP writes can never be a new client's socket reusing the
// same descriptor number. The dup closes once Node released it and no request
// holds it any more.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace ephpm {

class DirectSocket {
 public:
  explicit DirectSocket(int fd) : fd_(fd) {}
  ~DirectSocket();
  DirectSocket(const DirectSocket&) = delete;
  DirectSocket& operator=(const DirectSocket&) = delete;

  int fd() const { return fd_; }

  // At most one request per socket may be answered directly: the one whose
  // response is the connection's current one (Node checks that before).
  // keep_alive_seconds: 0 = the connection closes after the response.
  void expect(uint64_t request_id, int keep_alive_seconds);
  // Whoever takes the request first answers it: PHP when its response is
  // ready, Node when it answers in PHP's place (timeout, shutdown).
  bool take(uint64_t request_id) { return pending_.compare_exchange_strong(request_id, 0); }
  void close_afterwards() { keep_alive_seconds_.store(0); }
  int keep_alive_seconds() const { return keep_alive_seconds_.load(); }

 private:
  const int fd_;
  std::atomic<uint64_t> pending_{0};
  std::atomic<int> keep_alive_seconds_{0};
};

// Main thread: registers a dup of Node's descriptor under a new id, never
// reused (a late call about a closed socket can never reach another one);
// -1 when no dup can be had: that socket's responses go through Node.
int64_t adopt_socket(int node_fd);
// Main thread: Node closed its socket.
void release_socket(int64_t id);
// Main thread: the socket with that id, if Node has not closed it.
std::shared_ptr<DirectSocket> find_socket(int64_t id);

// Each worker keeps one more descriptor per connection: the soft limit is
// raised to the hard one, as servers usually do.
void raise_descriptor_limit();

}  // namespace ephpm
