// Turning what PHP produced (explicit responses, echo, header()) into events.
// Every function here runs on the PHP thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "http/bridge.h"

namespace ephpm {

// Output written by echo/print: buffered while a request is open, streamed
// while a streamed response is open, reported as log output otherwise.
size_t capture_output(const char* data, size_t length);

// Sends buffered echo output of a streamed response (PHP's flush()).
void flush_streamed_output();

// Answers the open request. `headers` come after those set with header().
void send_full_response(int status, std::vector<Header> headers, const std::string& body);
void start_streamed_response(int status, std::vector<Header> headers);
// false when the client is gone (the chunk is dropped; so are later ones).
bool write_streamed_chunk(const char* data, size_t length);
void end_streamed_response();

// The script asked for the next request without answering the last one:
// answer it from echo output, header() and http_response_code() as PHP would.
void finish_open_request_implicitly();

// The script died (fatal error, uncaught exception, exit, OOM): a 500, or a
// broken-off stream if the response had already started.
void fail_open_request();

}  // namespace ephpm
