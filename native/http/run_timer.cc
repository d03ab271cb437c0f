#include "http/run_timer.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace ephpm {

bool RunTimer::watch(int after_ms, std::function<void()> fired) {
  if (after_ms <= 0 || fd_.load() >= 0) return false;
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  if (fd < 0) return false;
  after_ns_ = int64_t{after_ms} * 1'000'000;
  try {
    // Blocked in read() between firings: no CPU, and no wake-up of anyone, while no request runs that long.
    std::thread([fd, fired = std::move(fired)] {
      uint64_t expirations;
      for (;;) {
        ssize_t got = read(fd, &expirations, sizeof expirations);
        if (got == sizeof expirations) {
          fired();
        } else if (got < 0 && errno != EINTR) {
          return;
        }
      }
    }).detach();
  } catch (const std::system_error&) {
    close(fd);
    return false;
  }
  fd_.store(fd, std::memory_order_release);
  return true;
}

void RunTimer::started() {
  if (fd_.load(std::memory_order_acquire) < 0) return;
  set(after_ns_);
  armed_ = true;
}

void RunTimer::waiting() {
  if (!armed_) return;
  set(0);
  armed_ = false;
}

void RunTimer::set(int64_t ns) {
  struct itimerspec when = {};
  when.it_value.tv_sec = ns / 1'000'000'000;
  when.it_value.tv_nsec = ns % 1'000'000'000;
  timerfd_settime(fd_.load(std::memory_order_relaxed), 0, &when, nullptr);
}

}  // namespace ephpm
