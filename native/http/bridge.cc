#include "http/bridge.h"

#include <algorithm>
#include <chrono>

#include "http/clocks.h"

namespace ephpm {

void Bridge::push(std::unique_ptr<Request> request) {
  journal.record(*request);
  if (request->arrived_ns == 0) request->arrived_ns = realtime_ns();
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(request));
}

void Bridge::wake() {
  wake_.notify_one();
  if (lane_) lane_->wake();
}

// PHP takes Node's queued requests and the lane's in the order they arrived: in turns, a few connections that Node
// reads would get half of PHP between them and every lent connection would wait twice as long meanwhile. A lent
// connection is read only when PHP takes its request, so what waits for PHP stays unread in the kernel, where the
// read gate wants it (read-gate.ts).
std::unique_ptr<Request> Bridge::take_with_lane() {
  std::unique_ptr<Request> request;
  for (;;) {
    int64_t lane_arrived_ns = 0;
    bool lane_ready = lane_->next_ready(0, lane_arrived_ns);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!queue_.empty() && (!lane_ready || queue_.front()->arrived_ns <= lane_arrived_ns)) {
        request = std::move(queue_.front());
        queue_.pop_front();
        return took(std::move(request));
      }
      if (!lane_ready && stopping_.load()) return nullptr;
    }
    if (lane_ready) {
      if (lane_->read_held(request)) return took_from_lane(std::move(request));
      continue;
    }
    run_timer.waiting();
    lane_->next_ready(-1, lane_arrived_ns);  // a lent connection's bytes, or a wake(): decided on the next turn
  }
}

std::unique_ptr<Request> Bridge::took(std::unique_ptr<Request> request) {
  taken_at_ns_.store(steady_ns());
  taken_id_.store(request->id);
  run_timer.started();  // after: when it fires, taken() says at least its time has passed
  journal.taken(request->id);
  return request;
}

std::unique_ptr<Request> Bridge::took_from_lane(std::unique_ptr<Request> request) {
  taken_at_ns_.store(steady_ns());
  taken_id_.store(request->id);
  run_timer.started();
  journal.running_unqueued(request->id);
  return request;
}

std::unique_ptr<Request> Bridge::take() {
  if (lane_) return take_with_lane();
  std::unique_lock<std::mutex> lock(mutex_);
  if (queue_.empty()) run_timer.waiting();
  wake_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
  if (queue_.empty()) return nullptr;
  auto request = std::move(queue_.front());
  queue_.pop_front();
  return took(std::move(request));
}

bool Bridge::cancel(uint64_t id) {
  std::unique_ptr<Request> cancelled;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = std::find_if(queue_.begin(), queue_.end(), [id](const auto& request) { return request->id == id; });
  if (found == queue_.end()) return false;
  cancelled = std::move(*found);
  queue_.erase(found);
  journal.forget(id);
  return true;
}

Bridge::Taken Bridge::taken() const {
  uint64_t id = taken_id_.load();
  return {id, id == 0 ? 0.0 : static_cast<double>(steady_ns() - taken_at_ns_.load()) / 1e6};
}

std::deque<std::unique_ptr<Request>> Bridge::take_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::deque<std::unique_ptr<Request>> all;
  all.swap(queue_);
  return all;
}

void Bridge::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  if (lane_) lane_->wake();
  flow_.notify_all();
}

void Bridge::add_in_flight(size_t bytes) {
  std::lock_guard<std::mutex> lock(flow_mutex_);
  in_flight_bytes_ += bytes;
}

void Bridge::drained(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(flow_mutex_);
    in_flight_bytes_ = bytes > in_flight_bytes_ ? 0 : in_flight_bytes_ - bytes;
  }
  flow_.notify_all();
}

bool Bridge::wait_for_room(uint64_t id) {
  std::unique_lock<std::mutex> lock(flow_mutex_);
  flow_.wait(lock,
             [this, id] { return stopping_.load() || abandoned(id) || in_flight_bytes_ < kMaxUnsentStreamBytes; });
  return !abandoned(id);
}

void Bridge::abandon(uint64_t id) {
  {
    std::lock_guard<std::mutex> lock(flow_mutex_);
    gone_.store(id);
  }
  flow_.notify_all();
}

void Bridge::pause(int milliseconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(milliseconds), [this] { return stopping_.load(); });
}

}  // namespace ephpm
