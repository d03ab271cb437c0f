#include "tasks/task_dispatch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

namespace ephpm {
namespace {

using Clock = std::chrono::steady_clock;

// While no task worker can be reached (all restarting), look again this often.
constexpr int kReconnectEveryMs = 10;

struct Connection {
  std::string path;
  int fd = -1;
  std::string out;
  std::string in;
  bool draining = false;  // the task worker asked for no more tasks here
  size_t owed = 0;        // run_tasks() tasks sent here and not answered yet (earlier calls' included)
  std::unordered_set<uint32_t> unacknowledged;  // dispatch_tasks() tasks sent here, not yet Accepted or refused

  size_t load() const { return owed + unacknowledged.size(); }
};

struct Slot {
  uint32_t id = 0;
  int connection = -1;    // -1: not sent yet (or refused there, or sent back by a draining worker)
  bool accepted = false;  // a task worker queued it
  bool done = false;      // run_tasks: answered; dispatch_tasks: accepted
  bool refused = false;   // every task worker's queue was full
};

// Connections live as long as the process; only the PHP thread touches them.
std::vector<Connection>* g_connections = nullptr;
uint32_t g_next_id = 1;
size_t g_rotation = 0;

std::vector<Connection>& connections() {
  if (!g_connections) {
    g_connections = new std::vector<Connection>();
    const char* list = std::getenv("EPHPM_TASK_SOCKETS");
    std::string paths = list ? list : "";
    size_t position = 0;
    while (position < paths.size()) {
      size_t end = paths.find('\n', position);
      if (end == std::string::npos) end = paths.size();
      if (end > position) g_connections->push_back(Connection{paths.substr(position, end - position)});
      position = end + 1;
    }
  }
  return *g_connections;
}

void disconnect(Connection& connection) {
  if (connection.fd >= 0) close(connection.fd);
  connection.fd = -1;
  connection.in.clear();
  connection.out.clear();
  connection.draining = false;
  connection.owed = 0;
  connection.unacknowledged.clear();
}

// Keeps a connection's load current for every reply, whichever call it belongs to.
void count_reply(Connection& connection, const Frame& frame) {
  bool closes = frame.type == FrameType::QueueFull || frame.type == FrameType::Gone;
  auto waiting = connection.unacknowledged.find(frame.id);
  if (waiting != connection.unacknowledged.end()) {
    if (closes || frame.type == FrameType::Accepted) connection.unacknowledged.erase(waiting);
    return;
  }
  closes = closes || frame.type == FrameType::ResultOk || frame.type == FrameType::ResultFailed;
  if (closes && connection.owed > 0) connection.owed--;
}

bool connect_to(Connection& connection) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, connection.path.c_str(), sizeof(address.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return false;  // not listening (yet): starting, restarting or draining
  }
  connection.fd = fd;
  return true;
}

// false: the other side is gone.
bool read_available(Connection& connection) {
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = recv(connection.fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      connection.in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

bool flush(Connection& connection) {
  while (!connection.out.empty()) {
    ssize_t n = send(connection.fd, connection.out.data(), connection.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      connection.out.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

long remaining_ms(Clock::time_point deadline) {
  return std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

// One run_tasks() / dispatch_tasks() call. Each task goes to the least loaded
// task worker that has not refused it; one that answers QueueFull is skipped
// for the rest of the call. A task every task worker refused is "refused";
// the call then ends once every other task is queued (QueueFull).
class Call {
 public:
  Call(const std::vector<std::string>& payloads, FrameType type, std::vector<TaskOutcome>* outcomes)
      : payloads_(payloads), type_(type), outcomes_(outcomes), slots_(payloads.size()) {
    first_id_ = g_next_id;
    for (auto& slot : slots_) slot.id = g_next_id++;
  }

  DispatchReport run(long wait_ms) {
    DispatchReport report;
    std::vector<Connection>& all = connections();
    report.task_workers = all.size();
    if (all.empty()) {
      report.status = DispatchStatus::NoTaskWorkers;
      return report;
    }
    full_.assign(all.size(), false);
    auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
    forget_earlier_calls();
    assign_unsent();
    while (true) {
      for (size_t i = 0; i < all.size(); i++) {
        if (all[i].fd >= 0 && !flush(all[i])) lost(i);
      }
      bool any_refused = false;
      bool all_settled = true;
      bool all_done = true;
      for (const Slot& slot : slots_) {
        any_refused = any_refused || slot.refused;
        all_settled = all_settled && (slot.done || slot.accepted || slot.refused);
        all_done = all_done && slot.done;
      }
      bool finished = any_refused ? all_settled : all_done;
      if (finished && !output_pending()) {
        report.status = any_refused ? DispatchStatus::QueueFull : DispatchStatus::Done;
        return fill(report);
      }
      long wait = remaining_ms(deadline);
      if (wait == 0) {
        report.status = DispatchStatus::Timeout;
        return fill(report);
      }
      if (unsent() > 0) wait = std::min<long>(wait, kReconnectEveryMs);
      wait_for_sockets(static_cast<int>(wait));
      if (unsent() > 0) assign_unsent();
    }
  }

 private:
  DispatchReport& fill(DispatchReport& report) const {
    report.unfinished = 0;
    report.queued.assign(slots_.size(), false);
    for (size_t s = 0; s < slots_.size(); s++) {
      report.unfinished += slots_[s].done ? 0 : 1;
      report.queued[s] = slots_[s].accepted || slots_[s].done;
    }
    return report;
  }

  // Replies to tasks of calls that timed out or were refused are dropped; a worker that is
  // gone or draining is reconnected to (its replacement listens on the same path).
  void forget_earlier_calls() {
    for (Connection& connection : connections()) {
      if (connection.fd < 0) continue;
      if (!read_available(connection)) {
        disconnect(connection);
        continue;
      }
      Frame frame;
      while (take_frame(connection.in, frame)) {
        if (frame.type == FrameType::Draining || frame.type == FrameType::Gone) connection.draining = true;
        if (frame.type != FrameType::Draining) count_reply(connection, frame);
      }
      if (connection.draining) disconnect(connection);
    }
  }

  size_t unsent() const {
    size_t count = 0;
    for (const Slot& slot : slots_) count += (slot.connection < 0 && !slot.done && !slot.refused) ? 1 : 0;
    return count;
  }

  bool every_worker_full() const {
    for (bool full : full_) {
      if (!full) return false;
    }
    return true;
  }

  void assign_unsent() {
    std::vector<Connection>& all = connections();
    for (Connection& connection : all) {
      if (connection.fd < 0) connect_to(connection);
    }
    for (size_t s = 0; s < slots_.size(); s++) {
      Slot& slot = slots_[s];
      if (slot.done || slot.refused || slot.connection >= 0) continue;
      int best = -1;
      for (size_t k = 0; k < all.size(); k++) {
        size_t i = (g_rotation + k) % all.size();
        if (all[i].fd < 0 || all[i].draining || full_[i]) continue;
        if (best < 0 || all[i].load() < all[static_cast<size_t>(best)].load()) best = static_cast<int>(i);
      }
      if (best < 0) {
        // Otherwise it waits for a task worker that is not reachable now (restarting).
        if (every_worker_full()) slot.refused = true;
        continue;
      }
      g_rotation++;
      Connection& connection = all[static_cast<size_t>(best)];
      if (type_ == FrameType::Task) connection.owed++;
      else connection.unacknowledged.insert(slot.id);
      slot.connection = best;
      const std::string& payload = payloads_[s];
      append_frame(connection.out, type_, slot.id, payload.data(), payload.size());
    }
  }

  void wait_for_sockets(int timeout_ms) {
    std::vector<Connection>& all = connections();
    std::vector<pollfd> polled;
    std::vector<size_t> which;
    for (size_t i = 0; i < all.size(); i++) {
      if (all[i].fd < 0) continue;
      short events = POLLIN;
      if (!all[i].out.empty()) events |= POLLOUT;
      polled.push_back(pollfd{all[i].fd, events, 0});
      which.push_back(i);
    }
    if (poll(polled.data(), polled.size(), timeout_ms) <= 0) return;
    for (size_t p = 0; p < polled.size(); p++) {
      if (polled[p].revents == 0) continue;
      Connection& connection = all[which[p]];
      if (!read_available(connection)) {
        take_frames(which[p]);  // what arrived before it closed still counts
        lost(which[p]);
        continue;
      }
      take_replies(which[p]);
    }
  }

  bool output_pending() const {
    for (const Connection& connection : connections()) {
      if (connection.fd >= 0 && !connection.out.empty()) return true;
    }
    return false;
  }

  bool holds_unfinished(size_t index) const {
    for (const Slot& slot : slots_) {
      if (!slot.done && slot.connection == static_cast<int>(index)) return true;
    }
    return false;
  }

  void take_replies(size_t index) {
    Connection& connection = connections()[index];
    take_frames(index);
    // Its replacement listens on the same path: reconnect once this one owes us nothing.
    if (connection.draining && !holds_unfinished(index)) disconnect(connection);
  }

  void take_frames(size_t index) {
    Connection& connection = connections()[index];
    Frame frame;
    while (take_frame(connection.in, frame)) {
      if (frame.type == FrameType::Draining) {
        connection.draining = true;
        continue;
      }
      count_reply(connection, frame);
      uint32_t offset = frame.id - first_id_;
      if (offset >= slots_.size()) continue;  // a reply to an earlier call
      Slot& slot = slots_[offset];
      if (slot.done || slot.refused || slot.connection != static_cast<int>(index)) continue;
      switch (frame.type) {
        case FrameType::Accepted:
          slot.accepted = true;
          if (type_ == FrameType::TaskNoReply) slot.done = true;
          break;
        case FrameType::ResultOk:
          finish(slot, offset, TaskOutcome::Kind::Ok).result = std::move(frame.payload);
          break;
        case FrameType::ResultFailed: {
          TaskOutcome& outcome = finish(slot, offset, TaskOutcome::Kind::Failed);
          if (!decode_failure(frame.payload, outcome.failure))
            outcome.failure.message = "the task failed (its failure report was unreadable)";
          break;
        }
        case FrameType::QueueFull:
          full_[index] = true;
          slot.connection = -1;
          break;
        case FrameType::Gone:
          connection.draining = true;
          slot.connection = -1;
          break;
        default:
          break;
      }
    }
  }

  TaskOutcome& finish(Slot& slot, size_t offset, TaskOutcome::Kind kind) {
    slot.done = true;
    TaskOutcome& outcome = (*outcomes_)[offset];
    outcome.kind = kind;
    return outcome;
  }

  // The task worker behind this connection went away: what it queued cannot finish;
  // what it never acknowledged never reached its PHP and is sent elsewhere.
  void lost(size_t index) {
    Connection& connection = connections()[index];
    for (size_t s = 0; s < slots_.size(); s++) {
      Slot& slot = slots_[s];
      if (slot.done || slot.connection != static_cast<int>(index)) continue;
      if (!slot.accepted) {
        slot.connection = -1;
        continue;
      }
      TaskOutcome& outcome = finish(slot, s, TaskOutcome::Kind::WorkerDied);
      outcome.failure.class_name = "Ephpm\\Octane\\TaskWorkerDied";
      outcome.failure.message =
          "The task worker running this task exited before it finished (killed, crashed or out of memory; " +
          connection.path + "). A new task worker is started in its place.";
    }
    full_[index] = false;  // its replacement starts empty
    disconnect(connection);
  }

  const std::vector<std::string>& payloads_;
  FrameType type_;
  std::vector<TaskOutcome>* outcomes_;
  std::vector<Slot> slots_;
  std::vector<bool> full_;  // answered QueueFull during this call
  uint32_t first_id_ = 0;
};

}  // namespace

DispatchReport run_tasks(const std::vector<std::string>& payloads, long wait_ms, std::vector<TaskOutcome>& outcomes) {
  outcomes.assign(payloads.size(), TaskOutcome());
  return Call(payloads, FrameType::Task, &outcomes).run(wait_ms);
}

DispatchReport dispatch_tasks(const std::vector<std::string>& payloads, long wait_ms) {
  return Call(payloads, FrameType::TaskNoReply, nullptr).run(wait_ms);
}

}  // namespace ephpm
