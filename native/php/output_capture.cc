#include "php/output_capture.h"

#include <strings.h>

#include "http/compression_hint.h"
#include "http/direct_response.h"
#include "http/request_id.h"
#include "http/response_framing.h"
#include "php/embedding.h"
#include "php/php_headers.h"
#include "http/spill_file.h"

namespace ephpm {
namespace {

constexpr size_t kStreamFlushThreshold = 64 * 1024;

using Phase = WorkerState::Phase;

void emit_event(EventKind kind, int status, bool last, std::vector<Header> headers, std::string data) {
  WorkerState& state = worker_state();
  bool complete = kind == EventKind::Response && last;
  bool head = state.current && state.current->method == "HEAD";
  if (kind == EventKind::Response && state.current) echo_request_id(state.current->raw_headers, headers);
  if (kind == EventKind::Response) frame_response(headers, {status, head, last, data.size()});
  if (complete && head) std::string().swap(data);
  if (kind == EventKind::Response && state.current && state.current->direct_socket) {
    // From here on PHP answers this request, unless Node already did (timeout).
    auto socket = std::move(state.current->direct_socket);
    if (socket->take(state.current->id) && last &&
        !node_may_compress(state.current->compress_from, status, headers, data.size()) &&
        write_response_directly(*socket, state.current->id, status, headers, data, state.emit)) {
      return;
    }
  }
  auto* event = new Event();
  event->kind = kind;
  event->id = state.current ? state.current->id : 0;
  event->status = status;
  event->last = last;
  event->headers = std::move(headers);
  event->data = std::move(data);
  // A large complete body waits for a slow client on disk, not in Node's memory.
  if (complete && should_spill(event->data.size())) {
    event->file = spill_to_file(event->data.data(), event->data.size());
    if (event->file >= 0) std::string().swap(event->data);
  }
  // Only streamed bytes count against back-pressure; a complete response
  // never makes PHP wait, so Node need not report it drained.
  bool streamed = kind == EventKind::Chunk || (kind == EventKind::Response && !last);
  if (streamed) state.bridge->add_in_flight(event->data.size());
  state.emit(event);
}

// Headers from header() first; an explicit header replaces header() values of
// the same name, except Set-Cookie, where every value is kept.
std::vector<Header> merge_headers(std::vector<Header> explicit_headers) {
  std::vector<Header> merged;
  for (auto& header : sapi_header_list()) {
    bool overridden = false;
    if (strcasecmp(header.name.c_str(), "set-cookie") != 0) {
      for (const auto& other : explicit_headers) {
        if (strcasecmp(header.name.c_str(), other.name.c_str()) == 0) {
          overridden = true;
          break;
        }
      }
    }
    if (!overridden) merged.push_back(std::move(header));
  }
  for (auto& header : explicit_headers) merged.push_back(std::move(header));
  return merged;
}

void close_request() {
  WorkerState& state = worker_state();
  state.phase = Phase::Done;
  state.output.clear();
}

// Sends what the stream has buffered once Node has room for it; false (and
// the output dropped) when the client is gone. PHP's connection_aborted() says
// so too, but the script goes on: a worker loop is never cut short.
bool send_streamed_output() {
  WorkerState& state = worker_state();
  uint64_t id = state.current ? state.current->id : 0;
  if (state.bridge->abandoned(id) || !state.bridge->wait_for_room(id)) {
    state.output.clear();
    PG(connection_status) |= PHP_CONNECTION_ABORTED;
    return false;
  }
  std::string chunk;
  chunk.swap(state.output);
  emit_event(EventKind::Chunk, 0, false, {}, std::move(chunk));
  return true;
}

}  // namespace

size_t capture_output(const char* data, size_t length) {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Open || state.phase == Phase::Streaming) {
    state.output.append(data, length);
    if (state.phase == Phase::Streaming && state.output.size() >= kStreamFlushThreshold) flush_streamed_output();
  } else {
    // Nobody is waiting for it; hand it to Node so it shows up in the logs.
    auto* event = new Event();
    event->kind = EventKind::Log;
    event->status = 1;
    event->data.assign(data, length);
    state.emit(event);
  }
  return length;
}

void flush_streamed_output() {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Streaming && !state.output.empty()) send_streamed_output();
}

void send_full_response(int status, std::vector<Header> headers, const std::string& body) {
  WorkerState& state = worker_state();
  std::string data;
  data.swap(state.output);
  data.append(body);
  emit_event(EventKind::Response, status, true, merge_headers(std::move(headers)), std::move(data));
  close_request();
}

void start_streamed_response(int status, std::vector<Header> headers) {
  WorkerState& state = worker_state();
  std::string data;
  data.swap(state.output);
  emit_event(EventKind::Response, status, false, merge_headers(std::move(headers)), std::move(data));
  state.phase = Phase::Streaming;
}

bool write_streamed_chunk(const char* data, size_t length) {
  WorkerState& state = worker_state();
  state.output.append(data, length);
  return send_streamed_output();
}

void end_streamed_response() {
  WorkerState& state = worker_state();
  std::string chunk;
  chunk.swap(state.output);
  emit_event(EventKind::Chunk, 0, true, {}, std::move(chunk));
  close_request();
}

void finish_open_request_implicitly() {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Open) {
    std::vector<Header> headers = sapi_header_list();
    if (!has_header(headers, "content-type")) headers.push_back({"Content-Type", "text/html; charset=UTF-8"});
    std::string data;
    data.swap(state.output);
    emit_event(EventKind::Response, sapi_response_code(), true, std::move(headers), std::move(data));
    close_request();
  } else if (state.phase == Phase::Streaming) {
    end_streamed_response();
  }
}

void fail_open_request() {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Open) {
    state.output.clear();
    emit_event(EventKind::Response, 500, true, {{"Content-Type", "text/plain; charset=UTF-8"}},
               "500 Internal Server Error: the PHP worker stopped while handling this request.\n");
  } else if (state.phase == Phase::Streaming) {
    emit_event(EventKind::Abort, 0, true, {}, "");
  }
  close_request();
}

}  // namespace ephpm
