// The task and tick worker side: Node pushes tasks (from the task socket) and
// ticks (from a 1 s timer); the PHP thread takes them in take_task() /
// take_tick() and answers through a result sink (see node/task_napi.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "tasks/task_wire.h"

namespace ephpm {

struct QueuedTask {
  uint32_t key = 0;  // Node's handle for the task (which socket, which id)
  std::string payload;
};

struct TaskResult {
  uint32_t key = 0;
  FrameType type = FrameType::ResultOk;
  std::string data;
};

struct Tick {
  uint64_t number = 0;
  uint64_t missed = 0;  // ticks dropped since the last one PHP took
  double time = 0;
};

// Heap-allocated and never freed, like the Bridge.
class TaskInbox {
 public:
  void push(QueuedTask task);
  // Blocks; false once stop() was called.
  bool take(QueuedTask& task);

  // A tick never queues behind another: while one waits, later ones are counted as missed.
  void tick(double time);
  bool take_tick(Tick& tick);
  uint64_t ticks_taken() const { return ticks_taken_; }
  uint64_t ticks_missed() const { return ticks_missed_; }

  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<QueuedTask> queue_;
  bool stopping_ = false;
  bool tick_pending_ = false;
  Tick next_tick_;
  uint64_t tick_number_ = 0;
  std::atomic<uint64_t> ticks_taken_{0};
  std::atomic<uint64_t> ticks_missed_{0};
};

TaskInbox& task_inbox();

// Set by node/task_napi.cc when Node starts listening for results.
using TaskResultSink = std::function<void(TaskResult*)>;
void set_task_result_sink(TaskResultSink sink);
void send_task_result(TaskResult* result);

}  // namespace ephpm
