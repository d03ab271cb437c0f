// The request id a client (or the front, which validates or makes one) sent in X-Request-Id, returned on PHP's
// response unless PHP set its own (docs/ARCHITECTURE.md, "Access log and request ids").
#pragma once

#include <string>
#include <vector>

#include "http/exchange.h"

namespace ephpm {

// Set once at start (request_id = false: nothing is added).
void set_echo_request_id(bool echo);

// Adds "X-Request-Id: <the request's>" to `response` when echoing is on, the request carries one and the response
// has none.
void echo_request_id(const std::string& raw_request_headers, std::vector<Header>& response);

}  // namespace ephpm
