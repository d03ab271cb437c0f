// The requests the native lane takes itself (docs/ARCHITECTURE.md, "The native lane"): a complete GET in origin form,
// HTTP/1.1, one plain Host, no body and nothing that changes the connection. Whatever else a client sends goes to
// Node's parser unread, so the lane never decides anything Node would decide differently.
#pragma once

#include <cstddef>
#include <string>

namespace ephpm {

struct SimpleRequest {
  size_t length = 0;    // bytes of the request (what follows is the connection's next request)
  std::string uri;      // the target as sent
  std::string headers;  // "Name\nvalue\nName\nvalue", as Node's raw list joins them
  bool has_request_id = false;
  bool has_range = false;
  int accept_encodings = 0;     // Accept-Encoding header lines
  std::string accept_encoding;  // the last one's value
  std::string user_agent;       // for the access log
};

// true when `data` starts with a request the lane may take.
bool parse_simple_request(const char* data, size_t size, SimpleRequest& request);

// A random (version 4) UUID, as Node's randomUUID() writes it; "" if the kernel gives no randomness.
std::string random_uuid();

}  // namespace ephpm
