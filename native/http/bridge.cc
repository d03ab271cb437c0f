#include "http/bridge.h"

#include <chrono>

namespace ephpm {

void Bridge::push(std::unique_ptr<Request> request) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(request));
}

void Bridge::wake() { wake_.notify_one(); }

std::unique_ptr<Request> Bridge::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stopping_.load() || !queue_.empty(); });
  if (queue_.empty()) return nullptr;
  auto request = std::move(queue_.front());
  queue_.pop_front();
  return request;
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

void Bridge::wait_for_room() {
  std::unique_lock<std::mutex> lock(flow_mutex_);
  flow_.wait(lock, [this] { return stopping_.load() || in_flight_bytes_ < kMaxUnsentStreamBytes; });
}

void Bridge::pause(int milliseconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(milliseconds), [this] { return stopping_.load(); });
}

}  // namespace ephpm
