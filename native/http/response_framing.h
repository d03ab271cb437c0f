// How a response's body is delimited on the wire is decided here, from the
// bytes PHP produced, never taken from the app's own Content-Length or
// Transfer-Encoding: a wrong one would run the body into the next response on
// a keep-alive connection (docs/ARCHITECTURE.md, "The path of one request", 5).
#pragma once

#include <cstddef>
#include <vector>

#include "http/exchange.h"

namespace ephpm {

struct ResponseShape {
  int status = 200;
  bool head_request = false;
  bool complete = true;  // the whole body is known; false: a streamed response's head
  size_t body_size = 0;  // complete responses: the body PHP produced
};

// Removes every Content-Length and Transfer-Encoding the app set, then adds
// the Content-Length the client may rely on:
// - a complete body: its size (HEAD: the app's valid one, else the size of a
//   body PHP produced, else none);
// - a stream: the app's valid one, which Node then holds the stream to
//   (php-responder.ts); none, and Node chunks it;
// - 1xx and 204: none; 304: the app's valid one (the representation's length).
// Valid: exactly one Content-Length of 1 to 15 digits.
void frame_response(std::vector<Header>& headers, const ResponseShape& shape);

}  // namespace ephpm
