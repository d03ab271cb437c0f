// What crosses between Node's main thread and the PHP thread: a request going
// in, and the events (response parts, lifecycle, logs) coming back.
#pragma once

#include <unistd.h>

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

// A POST body PHP itself would turn into $_POST (and $_FILES); Node decides,
// with PHP's rule (the method and the content type, see form-body.ts).
enum class PostForm : uint8_t { None = 0, UrlEncoded = 1, Multipart = 2 };

// One part of a multipart/form-data body, parsed by Node as it arrived: a
// field (its value in memory) or a file (streamed to a temp file by Node).
struct FormPart {
  bool is_file = false;
  std::string name;   // as sent; PHP's variable registration mangles and nests it
  std::string value;  // a field's value; a file's client filename as sent (path included)
  std::string type;   // file: the part's Content-Type, type/subtype
  std::string path;   // file: the temp file, "" when none was written
  int64_t size = 0;   // file: bytes written
  int error = 0;      // file: UPLOAD_ERR_* decided by Node (NO_FILE, NO_TMP_DIR, CANT_WRITE)
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
  uint32_t connection = 0;  // the supervisor's id of its connection (request_journal.h); 0: none
  int32_t server_port = 0;
  std::string raw_headers;  // "Name\nvalue\nName\nvalue" as Node received them
  std::string body;         // small bodies travel in memory
  std::string body_file;    // large bodies were spooled to this file by Node
  double body_size = 0;
  double request_time = 0;
  PostForm post_form = PostForm::None;
  std::vector<FormPart> form;  // Multipart: fields and files in the order sent
  // Set when PHP may write the complete response to the client itself.
  std::shared_ptr<DirectSocket> direct_socket;
  // The client accepts a coding Node compresses with: complete bodies from this size on go to Node instead of the
  // socket (compression_hint.h). -1: it accepts none, or compression is off.
  double compress_from = -1;
  // When its bytes reached the server (CLOCK_REALTIME ns): PHP takes Node's queued requests and the lane's in this
  // order (Bridge::take_with_lane).
  int64_t arrived_ns = 0;
};

enum class EventKind : uint8_t {
  Response = 1,      // status + headers (+ body); `last` ends the response
  Chunk = 2,         // more body of a streamed response; `last` ends it
  Abort = 3,         // a streamed response broke off (fatal error mid-stream)
  Ready = 4,         // the worker script asked for its first request
  ScriptError = 5,   // the worker script ended before taking any request
  Log = 6,           // a message PHP logged (errors, warnings)
  Stopped = 7,       // PHP has shut down; the thread is gone
  Written = 8,       // PHP wrote the response to the socket; `data` is what the
                     // socket did not take yet, `last` = the connection closes
  WriteFailed = 9,   // the socket refused PHP's response (client gone)
  EarlyHints = 10,   // a 103 the script sends ahead of its response: headers only
  LaneReturn = 11,   // a lent connection goes back to Node, unread (`id`: its socket id; http/lane.h)
  LaneAdopt = 12,    // a lane request's answer needs Node: `id` the request, `body_bytes` its socket id,
                     // `data` the request's bytes for Node's parser
  LongRequest = 13,  // PHP has run one request for park_after_ms (http/run_timer.h)
};

struct Event {
  EventKind kind;
  uint64_t id = 0;
  int32_t status = 0;
  bool last = false;
  std::vector<Header> headers;
  std::string data;
  // Response (last) and Written: the rest of the body, in an unnamed temp
  // file (see http/spill_file.h), sent after `data`; -1 = none. Closed here
  // unless Node took it over.
  int file = -1;
  // Written: the body bytes PHP's response had (what the socket took and what it left to Node), for the access log.
  double body_bytes = 0;

  Event() = default;
  ~Event() {
    if (file >= 0) close(file);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

using EventSink = std::function<void(Event*)>;

}  // namespace ephpm
