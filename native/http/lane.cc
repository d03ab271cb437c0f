#include "http/lane.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "http/answer_mark.h"
#include "http/clocks.h"

namespace ephpm {
namespace {

bool final_event(const Event& event) {
  switch (event.kind) {
    case EventKind::Written:
    case EventKind::WriteFailed:
    case EventKind::Abort:
      return true;
    case EventKind::Response:
    case EventKind::Chunk:
      return event.last;
    default:
      return false;
  }
}

}  // namespace

Lane::Lane(std::string document_root, bool give_ids, bool log_answers, double compress_from, bool has_zstd)
    : document_root_(std::move(document_root)),
      give_ids_(give_ids),
      log_answers_(log_answers),
      compress_from_(compress_from),
      has_zstd_(has_zstd),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      held_bytes_(new char[kPeekBytes]) {
  struct epoll_event event = {};
  event.events = EPOLLIN;
  event.data.u64 = 0;  // socket ids start at 1
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
}

void Lane::wake() {
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

void Lane::arm(int fd, int64_t socket_id, int operation) {
  struct epoll_event event = {};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  event.data.u64 = static_cast<uint64_t>(socket_id);
  epoll_ctl(epoll_fd_, operation, fd, &event);
}

bool Lane::lend(LentConnection connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_ || room_ == 0) return false;
  int fd = connection.socket->fd();
  int64_t id = connection.socket_id;
  connection.idle_since_ns = steady_ns();
  int on = 1;  // the kernel stamps what arrives: its requests are taken in turn with Node's by arrival
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  lent_[id] = std::move(connection);
  arm(fd, id, EPOLL_CTL_ADD);
  return true;
}

bool Lane::take_out(int64_t socket_id) {
  auto found = lent_.find(socket_id);
  if (found == lent_.end()) return false;
  if (held_ == socket_id) held_ = 0;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, found->second.socket->fd(), nullptr);
  lent_.erase(found);
  return true;
}

std::vector<int64_t> Lane::take_out_idle() {
  std::vector<int64_t> ids;
  for (const auto& [id, connection] : lent_) {
    if (connection.idle_since_ns > 0) ids.push_back(id);
  }
  for (int64_t id : ids) take_out(id);
  return ids;
}

std::vector<int64_t> Lane::reclaim() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  return take_out_idle();
}

void Lane::reopen() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = false;
}

std::vector<int64_t> Lane::expired() {
  std::vector<int64_t> ids;
  int64_t now = steady_ns();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [id, connection] : lent_) {
    bool idle_too_long = now - connection.idle_since_ns >= int64_t{connection.keep_alive_seconds} * 1'000'000'000;
    // Also those Node closed meanwhile (shutdown): the lane's duplicate would keep the client's connection open.
    if (connection.idle_since_ns > 0 && (idle_too_long || !find_socket(id))) ids.push_back(id);
  }
  for (int64_t id : ids) take_out(id);
  return ids;
}

std::vector<LaneAnswer> Lane::answered(int64_t room) {
  std::vector<LaneAnswer> answers;
  std::lock_guard<std::mutex> lock(mutex_);
  answers.swap(answers_);
  room_ = room < 0 ? -1 : std::max<int64_t>(0, room - static_cast<int64_t>(answers.size()));
  return answers;
}

void Lane::set_node_paths(std::vector<std::string> paths) {
  std::lock_guard<std::mutex> lock(mutex_);
  node_paths_ = std::unordered_set<std::string>(paths.begin(), paths.end());
}

bool Lane::running(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = running_.find(id);
  return found != running_.end() && found->second.phase != Phase::AnsweredByNode;
}

std::vector<Event*> Lane::adopted(uint64_t id) {
  std::vector<Event*> held;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = running_.find(id);
  if (found == running_.end()) return held;
  held.swap(found->second.held);
  found->second.phase = Phase::Adopted;
  for (Event* event : held) {
    if (final_event(*event)) {
      running_.erase(found);
      break;
    }
  }
  return held;
}

int64_t Lane::answer_instead(uint64_t id, const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = running_.find(id);
  if (found == running_.end() || found->second.phase != Phase::Running) return -1;
  auto connection = lent_.find(found->second.socket_id);
  if (connection == lent_.end() || !connection->second.socket->take(id)) return -1;
  int fd = connection->second.socket->fd();
  std::string response = "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain; charset=utf-8\r\n";
  if (!found->second.request_id.empty()) response += "X-Request-Id: " + found->second.request_id + "\r\n";
  response +=
      "Content-Length: " + std::to_string(message.size()) + "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=";
  response += std::to_string(connection->second.keep_alive_seconds) + "\r\n\r\n";
  response += message;
  mark_answer_owed(fd, false);
  (void)!send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  found->second.phase = Phase::AnsweredByNode;
  int64_t socket_id = found->second.socket_id;
  take_out(socket_id);
  return socket_id;
}

void Lane::give_back(int64_t socket_id) {
  auto* event = new Event();
  event->kind = EventKind::LaneReturn;
  event->id = static_cast<uint64_t>(socket_id);
  emit_(event);
}

bool Lane::route(Event* event) {
  if (event->id <= kLaneIdBase || event->kind == EventKind::Log) return false;
  std::vector<int64_t> back;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = running_.find(event->id);
    if (found == running_.end()) return false;
    Running& running = found->second;
    switch (running.phase) {
      case Phase::Adopted:
      case Phase::AnsweredByNode:
        // Node's: the responder it attached, or (answered in PHP's place) its router drops it.
        if (final_event(*event)) running_.erase(found);
        return false;
      case Phase::Handing:
        running.held.push_back(event);
        return true;
      case Phase::Running:
        break;
    }
    auto connection = lent_.find(running.socket_id);
    bool complete = event->kind == EventKind::Written && event->data.empty() && event->file < 0 && !event->last;
    if (complete) {
      LaneAnswer& answer = answers_.emplace_back();
      answer.status = event->status;
      answer.ms = static_cast<double>(steady_ns() - running.started_ns) / 1e6;
      if (log_answers_) {
        answer.bytes = event->body_bytes;
        answer.uri = std::move(running.uri);
        answer.user_agent = std::move(running.user_agent);
        answer.request_id = running.request_id;
        if (connection != lent_.end()) answer.remote_addr = connection->second.remote_addr;
      }
      if (room_ > 0) room_--;
      int64_t socket_id = running.socket_id;
      running_.erase(found);
      if (connection != lent_.end() && !find_socket(socket_id)) {
        take_out(socket_id);  // Node closed its socket meanwhile: the lane's duplicate goes too
      } else if (connection != lent_.end() && !closed_ && room_ != 0) {
        connection->second.idle_since_ns = steady_ns();
        arm(connection->second.socket->fd(), socket_id, EPOLL_CTL_MOD);
      } else if (connection != lent_.end()) {
        // Lending closed meanwhile, or the worker has served its max_requests: the connections go back to Node.
        if (room_ == 0) back = take_out_idle();
        take_out(socket_id);
        back.push_back(socket_id);
      }
      delete event;
    } else {
      // PHP's answer needs Node (streamed, compressed, a header only Node writes, bytes the socket did not take, the
      // client gone): the connection and the running request go to Node, which replays the request's bytes into its
      // parser and attaches a responder; PHP's events wait here until then (adopted()).
      running.phase = Phase::Handing;
      running.held.push_back(event);
      auto* adopt = new Event();
      adopt->kind = EventKind::LaneAdopt;
      adopt->id = event->id;
      adopt->body_bytes = static_cast<double>(running.socket_id);
      adopt->data = std::move(running.raw);
      take_out(running.socket_id);
      emit_(adopt);
      return true;
    }
  }
  for (int64_t socket_id : back) give_back(socket_id);
  return true;
}

}  // namespace ephpm
