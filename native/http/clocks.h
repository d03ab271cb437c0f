// The clocks the request path dates things by.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

namespace ephpm {

// For durations and timeouts: never jumps.
inline int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The clock the kernel stamps received bytes by (SO_TIMESTAMPNS): arrivals on Node's side and the lane's compare.
inline int64_t realtime_ns() {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

}  // namespace ephpm
