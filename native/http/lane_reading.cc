// The lane's PHP-thread side of reading (docs/ARCHITECTURE.md, "The native lane"): the next lent connection with
// bytes, dated by the kernel's receive stamp so that PHP takes it and Node's queued requests in arrival order, and
// its request read when it is one the lane serves.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "http/answer_mark.h"
#include "http/clocks.h"
#include "http/coding_negotiation.h"
#include "http/lane.h"
#include "http/simple_request.h"

namespace ephpm {
namespace {

// As static-files.ts: CACHE_MS, CACHE_LIMIT.
constexpr int64_t kLookupReuseNs = 1'000'000'000;
constexpr size_t kLookupLimit = 10'000;

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// Anything under the document root by that path (a file, a directory, a link), a path Node decodes first, or one with
// early hints: Node decides (static-files.ts, early-hints.ts). A path ending in '/' is never a static file. Mutex held.
bool Lane::node_serves(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (path.find('%') != std::string::npos || node_paths_.count(path) > 0) return true;
  if (path.back() == '/') return false;
  return under_document_root(path);
}

bool Lane::under_document_root(const std::string& path) {
  int64_t now = steady_ns();
  auto cached = lookups_.find(path);
  if (cached != lookups_.end() && now - cached->second.second < kLookupReuseNs) return cached->second.first;
  struct stat info;
  bool found = stat((document_root_ + path).c_str(), &info) == 0;
  if (lookups_.size() >= kLookupLimit) lookups_.clear();
  lookups_[path] = {found, now};
  return found;
}

bool Lane::read_from(LentConnection& connection, std::unique_ptr<Request>& request, Running& running) {
  char* buffer = held_bytes_.get();
  int fd = connection.socket->fd();
  ssize_t peeked = held_peeked_;
  if (peeked <= 0) return false;
  SimpleRequest parsed;
  if (!parse_simple_request(buffer, static_cast<size_t>(peeked), parsed)) return false;
  // A client's own X-Request-Id is checked by Node (request-id.ts).
  if ((give_ids_ && parsed.has_request_id) || node_serves(parsed.uri)) return false;
  double compress_from = -1;  // as requestCompression() in compression/response-rules.ts
  if (compress_from_ >= 0 && !parsed.has_range && parsed.accept_encodings > 0) {
    if (parsed.accept_encodings > 1) return false;  // Node joins them; its to read
    Negotiated coding = negotiate_coding(parsed.accept_encoding, has_zstd_);
    if (coding == Negotiated::Unknown) return false;
    if (coding == Negotiated::Coding) compress_from = compress_from_;
  }
  if (give_ids_) {
    running.request_id = random_uuid();
    if (running.request_id.empty()) return false;
    parsed.headers += "\nX-Request-Id\n";
    parsed.headers += running.request_id;
  }
  if (recv(fd, buffer, parsed.length, MSG_DONTWAIT) != static_cast<ssize_t>(parsed.length)) return false;
  mark_answer_owed(fd, true);
  running.raw.assign(buffer, parsed.length);
  if (log_answers_) {
    running.uri = parsed.uri;
    running.user_agent = std::move(parsed.user_agent);
  }
  running.socket_id = connection.socket_id;
  running.started_ns = steady_ns();
  request = std::make_unique<Request>();
  request->id = ++next_id_;
  request->method = "GET";
  request->uri = std::move(parsed.uri);
  request->protocol = "HTTP/1.1";
  request->scheme = "http";
  request->remote_addr = connection.remote_addr;
  request->server_addr = connection.server_addr;
  request->remote_port = connection.remote_port;
  request->server_port = connection.server_port;
  request->raw_headers = std::move(parsed.headers);
  request->request_time = unix_seconds();
  request->direct_socket = connection.socket;
  request->compress_from = compress_from;
  connection.socket->expect(request->id, connection.keep_alive_seconds);
  connection.idle_since_ns = 0;
  return true;
}

ssize_t Lane::peek(int fd, int64_t& arrived_ns) {
  struct iovec bytes = {held_bytes_.get(), kPeekBytes};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct timespec))];
  struct msghdr message = {};
  message.msg_iov = &bytes;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t peeked = recvmsg(fd, &message, MSG_PEEK | MSG_DONTWAIT);
  arrived_ns = 0;
  for (struct cmsghdr* part = CMSG_FIRSTHDR(&message); peeked > 0 && part; part = CMSG_NXTHDR(&message, part)) {
    if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_TIMESTAMPNS) continue;
    struct timespec stamp;
    memcpy(&stamp, CMSG_DATA(part), sizeof stamp);
    arrived_ns = int64_t{stamp.tv_sec} * 1'000'000'000 + stamp.tv_nsec;
  }
  if (arrived_ns == 0) arrived_ns = realtime_ns();
  return peeked;
}

bool Lane::next_ready(int timeout_ms, int64_t& arrived_ns) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (held_ != 0) {
      arrived_ns = held_arrived_ns_;
      return true;
    }
  }
  struct epoll_event ready;
  if (epoll_wait(epoll_fd_, &ready, 1, timeout_ms) != 1) return false;
  if (ready.data.u64 == 0) {
    uint64_t count;
    (void)!read(wake_fd_, &count, sizeof count);
    return false;
  }
  auto socket_id = static_cast<int64_t>(ready.data.u64);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = lent_.find(socket_id);
  if (found == lent_.end()) return false;  // reclaimed meanwhile
  held_ = socket_id;
  held_peeked_ = ready.events & (EPOLLERR | EPOLLHUP) ? -1 : peek(found->second.socket->fd(), held_arrived_ns_);
  if (held_peeked_ <= 0) held_arrived_ns_ = 0;  // nothing to read: handed back to Node first thing
  arrived_ns = held_arrived_ns_;
  return true;
}

bool Lane::read_held(std::unique_ptr<Request>& request) {
  int64_t socket_id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    socket_id = held_;
    held_ = 0;
    auto found = lent_.find(socket_id);
    if (found == lent_.end()) return false;  // reclaimed meanwhile
    Running running;
    if (read_from(found->second, request, running)) {
      request->arrived_ns = held_arrived_ns_;
      running_[request->id] = std::move(running);
      return true;
    }
    take_out(socket_id);
  }
  give_back(socket_id);  // not a request the lane takes: Node reads it (or the end of the connection)
  return false;
}

}  // namespace ephpm
