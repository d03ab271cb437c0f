// The hand-off between Node's main thread and the PHP thread (the types that
// cross it are in exchange.h).
// Requests flow JS -> PHP through a blocking queue; responses flow PHP -> JS as
// events delivered by a thread-safe function (see node/php_napi.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

#include "http/exchange.h"
#include "http/lane.h"
#include "http/request_journal.h"
#include "http/run_timer.h"

namespace ephpm {

// Lives on the heap and is never freed: glibc blocks in pthread_cond_destroy
// when a thread still waits on the condvar at process exit.
class Bridge {
 public:
  // Queues without waking PHP; Node calls wake() once per event-loop turn,
  // so a burst of requests costs one futex wake instead of one each.
  void push(std::unique_ptr<Request> request);
  void wake();
  // Blocks until a request arrives; nullptr once stop() was called. Records
  // which request PHP took and when (see taken()).
  std::unique_ptr<Request> take();
  // Node: removes a request PHP has not taken yet; false if PHP took it.
  bool cancel(uint64_t id);
  // Node: the id of the request PHP took last (0: none yet) and how many
  // milliseconds ago. Two atomic loads: Node reads it when run_timer fires
  // (or from php-deadlines' check), so PHP never wakes Node's thread to say
  // it started a request.
  struct Taken {
    uint64_t id;
    double elapsed_ms;
  };
  Taken taken() const;
  // Everything waiting, for when the worker script cannot run them.
  std::deque<std::unique_ptr<Request>> take_all();
  void stop();
  // Before start: PHP takes the lane's requests too; wake() and stop() wake it from the lane's wait.
  void attach_lane(Lane* lane) { lane_ = lane; }
  bool stopping() const { return stopping_.load(); }

  // Streaming back-pressure: PHP waits while too many streamed bytes are on
  // their way, not yet in a connection's share of Node's memory, in a temp
  // file or taken by a socket (src/runtime/http/streamed-body.ts).
  void add_in_flight(size_t bytes);
  void drained(size_t bytes);
  // false once the client of request `id` is gone (abandon()): nothing more
  // can reach it, and PHP need not wait.
  bool wait_for_room(uint64_t id);
  // Node: the client of request `id` is gone (it left, or was too slow to read).
  void abandon(uint64_t id);
  bool abandoned(uint64_t id) const { return id != 0 && gone_.load() == id; }

  // Interruptible sleep used between failed script starts.
  void pause(int milliseconds);

  // What is queued and not started, where the supervisor finds it if this process dies (opened at start).
  RequestJournal journal;
  // Fires once PHP has run one request for park_after_ms (armed by take(), stopped before it waits).
  RunTimer run_timer;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Request>> queue_;
  Lane* lane_ = nullptr;  // the native lane, when on (http/lane.h)
  std::unique_ptr<Request> take_with_lane();
  std::unique_ptr<Request> took(std::unique_ptr<Request> request);
  std::unique_ptr<Request> took_from_lane(std::unique_ptr<Request> request);
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> taken_id_{0};
  std::atomic<int64_t> taken_at_ns_{0};
  std::atomic<uint64_t> gone_{0};

  std::mutex flow_mutex_;
  std::condition_variable flow_;
  size_t in_flight_bytes_ = 0;
};

constexpr size_t kMaxUnsentStreamBytes = 4 * 1024 * 1024;

}  // namespace ephpm
