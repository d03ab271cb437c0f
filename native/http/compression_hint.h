// Which complete responses the PHP thread leaves to Node because Node may compress them
// (src/runtime/http/compression/, docs/ARCHITECTURE.md "Response compression").
#pragma once

#include <cstddef>
#include <vector>

#include "http/exchange.h"

namespace ephpm {

// true: the response may be compressed for this request's client, so it goes to Node instead of the socket. A
// cheap superset of Node's rules (compression/response-rules.ts): a status with a body, at least `compress_from`
// bytes (-1: the client accepts no coding), no Content-Encoding of the app's, not an image (but SVG), audio or
// video. Node decides the rest; a response Node then leaves as it is was only slower, never wrong.
bool node_may_compress(double compress_from, int status, const std::vector<Header>& headers, size_t body_size);

}  // namespace ephpm
