// Node's main thread learns that PHP has run one request for park_after_ms (the read gate engages then:
// src/runtime/http/php-paced-reading.ts) without looking on a timer: the PHP thread arms a one-shot timerfd as it
// takes each request and disarms it before it waits for one, and a thread of the timer's own, blocked on it, tells
// Node when it fires. Node is woken only by a request that runs that long: polled every park_after_ms / 2, an idle
// worker's main thread woke 200 times a second, ~1.5 % of a CPU per worker with nothing to do.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace ephpm {

class RunTimer {
 public:
  // Node's thread, once: `fired` runs on the timer's thread each time a request has run `after_ms`. false when the
  // timer or its thread could not be made (Node then looks on a timer of its own).
  bool watch(int after_ms, std::function<void()> fired);

  // PHP thread: it took a request (the timer runs from now), or it is about to wait for one (the timer stops).
  void started();
  void waiting();

 private:
  void set(int64_t ns);

  std::atomic<int> fd_{-1};
  int64_t after_ns_ = 0;  // written before fd_ is published
  bool armed_ = false;    // the PHP thread's own
};

}  // namespace ephpm
