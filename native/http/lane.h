// The native lane (docs/ARCHITECTURE.md, "The native lane"): a plain HTTP/1.1 keep-alive connection whose last answer
// PHP wrote itself is lent by Node to the PHP thread, which reads, parses and runs its next simple request
// (simple_request.h) without waking Node. Anything else on it, and any answer PHP cannot write itself, goes back to
// Node: the connection unread, or the running request adopted by Node with its bytes replayed into Node's parser.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/direct_socket.h"
#include "http/exchange.h"

namespace ephpm {

// Ids of requests the lane read; Node's own count up from 1 and never get here.
constexpr uint64_t kLaneIdBase = uint64_t{1} << 50;

struct LentConnection {
  int64_t socket_id = 0;
  std::shared_ptr<DirectSocket> socket;
  std::string remote_addr;
  std::string server_addr;
  int32_t remote_port = 0;
  int32_t server_port = 0;
  int keep_alive_seconds = 5;
  int64_t idle_since_ns = 0;  // 0 while a request of it runs
};

// What Node counts of a request the lane answered (request counters, max_requests, the idle-memory clock) and, when
// the access log is on, writes of it.
struct LaneAnswer {
  int32_t status = 0;
  double ms = 0;
  double bytes = 0;
  std::string uri;  // the access log's only
  std::string user_agent;
  std::string request_id;
  std::string remote_addr;
};

class Lane {
 public:
  // document_root: paths with anything there are Node's (static files); give_ids: requests get an X-Request-Id;
  // log_answers: each answer keeps what the access log writes of it; compress_from: compression's minimum size, -1
  // when off (a request whose client takes a coding gets it as Node's would: its compressible answers go to Node);
  // has_zstd: Node can produce zstd.
  Lane(std::string document_root, bool give_ids, bool log_answers, double compress_from, bool has_zstd);

  // Main thread. false while lending is closed (Node reads the connection on).
  bool lend(LentConnection connection);
  // Closes lending (drain, the read gate engaged): the idle lent connections, taken out (their socket ids); one
  // running now comes back to Node once answered.
  std::vector<int64_t> reclaim();
  void reopen();
  // Lent connections idle past their keep-alive timeout, or whose socket Node closed, taken out (Node closes them).
  std::vector<int64_t> expired();
  // The answers since the last call; `room`: requests the worker may still serve (-1: no limit) before this batch.
  // Once the lane has served the room left, lending closes and its connections go back (Node recycles the worker).
  std::vector<LaneAnswer> answered(int64_t room);
  // Paths whose requests Node answers (early hints learned for them: Node sends the 103 before PHP runs).
  void set_node_paths(std::vector<std::string> paths);
  // Whether lane request `id` is still running in PHP.
  bool running(uint64_t id);
  // Node adopted lane request `id`: the events held for it, in order (the caller owns them).
  std::vector<Event*> adopted(uint64_t id);
  // Answers lane request `id` 504 with `message` (past request_timeout) unless PHP began its answer, as Node would;
  // the connection's socket id, or -1. The connection leaves the lane (Node reads it on).
  int64_t answer_instead(uint64_t id, const std::string& message);

  // PHP thread. Waits for a lent connection with bytes to read, or a wake() (false). The connection is held until
  // read_held(); `arrived_ns` is when its first unread bytes reached the socket (CLOCK_REALTIME), as the kernel
  // stamped them.
  bool next_ready(int timeout_ms, int64_t& arrived_ns);
  // Reads the held connection's request: true with `request` set; false when it is not one the lane takes (the
  // connection goes back to Node unread) or the connection left the lane meanwhile.
  bool read_held(std::unique_ptr<Request>& request);
  // Every event PHP emits: true when the lane took it (a lane request's answer, or one held until Node adopts it).
  bool route(Event* event);

  // Any thread.
  void wake();
  void set_emit(EventSink emit) { emit_ = std::move(emit); }

 private:
  enum class Phase { Running, Handing, Adopted, AnsweredByNode };
  struct Running {
    int64_t socket_id = 0;
    std::string raw;  // the request's bytes, replayed into Node's parser if Node adopts it
    std::string request_id;
    std::string uri;  // with user_agent, kept for the access log only
    std::string user_agent;
    int64_t started_ns = 0;
    Phase phase = Phase::Running;
    std::vector<Event*> held;
  };

  // A request the lane reads whole from one peek; a longer head goes to Node.
  static constexpr size_t kPeekBytes = 8192;

  bool read_from(LentConnection& connection, std::unique_ptr<Request>& request, Running& running);
  // The held connection's first bytes, peeked, and their kernel receive stamp.
  ssize_t peek(int fd, int64_t& arrived_ns);
  bool node_serves(const std::string& target);
  bool under_document_root(const std::string& path);
  void arm(int fd, int64_t socket_id, int operation);
  // With the mutex held: takes the connection out of the lane; false if it was not lent.
  bool take_out(int64_t socket_id);
  void give_back(int64_t socket_id);
  std::vector<int64_t> take_out_idle();

  const std::string document_root_;
  const bool give_ids_;
  const bool log_answers_;
  const double compress_from_;
  const bool has_zstd_;
  const int epoll_fd_;
  const int wake_fd_;
  EventSink emit_;
  std::mutex mutex_;
  std::unordered_map<int64_t, LentConnection> lent_;  // by socket id
  std::unordered_map<uint64_t, Running> running_;     // by request id
  std::vector<LaneAnswer> answers_;
  // The connection next_ready() returned (0: none), its peeked bytes and their arrival.
  int64_t held_ = 0;
  int64_t held_arrived_ns_ = 0;
  ssize_t held_peeked_ = 0;
  std::unique_ptr<char[]> held_bytes_;
  uint64_t next_id_ = kLaneIdBase;
  bool closed_ = false;
  int64_t room_ = -1;
  std::unordered_set<std::string> node_paths_;
  // What a lookup under the document root found, and when: reused for a second, as Node's StaticFiles does.
  std::unordered_map<std::string, std::pair<bool, int64_t>> lookups_;
};

}  // namespace ephpm
