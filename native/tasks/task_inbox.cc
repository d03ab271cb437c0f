#include "tasks/task_inbox.h"

namespace ephpm {
namespace {

TaskInbox* g_inbox = new TaskInbox();  // never freed: see bridge.h
TaskResultSink* g_sink = new TaskResultSink();

}  // namespace

TaskInbox& task_inbox() { return *g_inbox; }

void TaskInbox::push(QueuedTask task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
}

bool TaskInbox::take(QueuedTask& task) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (stopping_) return false;
  task = std::move(queue_.front());
  queue_.pop_front();
  return true;
}

void TaskInbox::tick(double time) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tick_number_++;
    if (tick_pending_) {
      next_tick_.missed++;
      ticks_missed_++;
    } else {
      tick_pending_ = true;
      next_tick_.number = tick_number_;
      next_tick_.time = time;
    }
  }
  wake_.notify_one();
}

bool TaskInbox::take_tick(Tick& tick) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stopping_ || tick_pending_; });
  if (stopping_) return false;
  tick = next_tick_;
  next_tick_ = Tick();
  tick_pending_ = false;
  ticks_taken_++;
  return true;
}

void TaskInbox::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void set_task_result_sink(TaskResultSink sink) { *g_sink = std::move(sink); }

void send_task_result(TaskResult* result) {
  if (*g_sink) (*g_sink)(result);
  else delete result;
}

}  // namespace ephpm
