// The hand-off between Node's main thread and the PHP thread.
// Requests flow JS -> PHP through a blocking queue; responses flow PHP -> JS as
// events delivered by a thread-safe function (see addon.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "direct_socket.h"

namespace ephpm {

struct Header {
  std::string name;
  std::string value;
};

struct Request {
  uint64_t id = 0;
  std::string method;
  std::string uri;  // request target as sent: path plus query
  std::string protocol;
  std::string scheme;
  std::string remote_addr;
  std::string server_addr;
  int32_t remote_port = 0;
  int32_t server_port = 0;
  std::string raw_headers;  // "Name\nvalue\nName\nvalue" as Node received them
  std::string body;         // small bodies travel in memory
  std::string body_file;    // large bodies were spooled to this file by Node
  double body_size = 0;
  double request_time = 0;
  // Set when PHP may write the complete response to the client itself.
  std::shared_ptr<DirectSocket> direct_socket;
};

enum class EventKind : uint8_t {
  Response = 1,     // status + headers (+ body); `last` ends the response
  Chunk = 2,        // more body of a streamed response; `last` ends it
  Abort = 3,        // a streamed response broke off (fatal error mid-stream)
  Ready = 4,        // the worker script asked for its first request
  ScriptError = 5,  // the worker script ended before taking any request
  Log = 6,          // a message PHP logged (errors, warnings)
  Stopped = 7,      // PHP has shut down; the thread is gone
  Written = 8,      // PHP wrote the response to the socket; `data` is what the
                    // socket did not take yet, `last` = the connection closes
  WriteFailed = 9,  // the socket refused PHP's response (client gone)
};

struct Event {
  EventKind kind;
  uint64_t id = 0;
  int32_t status = 0;
  bool last = false;
  std::vector<Header> headers;
  std::string data;
};

using EventSink = std::function<void(Event*)>;

// Lives on the heap and is never freed: glibc blocks in pthread_cond_destroy
// when a thread still waits on the condvar at process exit.
class Bridge {
 public:
  // Queues without waking PHP; Node calls wake() once per event-loop turn,
  // so a burst of requests costs one futex wake instead of one each.
  void push(std::unique_ptr<Request> request);
  void wake();
  // Blocks until a request arrives; nullptr once stop() was called.
  std::unique_ptr<Request> take();
  // Everything waiting, for when the worker script cannot run them.
  std::deque<std::unique_ptr<Request>> take_all();
  void stop();
  bool stopping() const { return stopping_.load(); }

  // Streaming back-pressure: PHP waits while too many bytes are unsent.
  void add_in_flight(size_t bytes);
  void drained(size_t bytes);
  void wait_for_room();

  // Interruptible sleep used between failed script starts.
  void pause(int milliseconds);

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Request>> queue_;
  std::atomic<bool> stopping_{false};

  std::mutex flow_mutex_;
  std::condition_variable flow_;
  size_t in_flight_bytes_ = 0;
};

constexpr size_t kMaxUnsentStreamBytes = 4 * 1024 * 1024;

}  // namespace ephpm
