// What crosses between Node's main thread and the PHP thread: a request going
// in, and the events (response parts, lifecycle, logs) coming back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/direct_socket.h"

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

}  // namespace ephpm
