#include "http/request_id.h"

#include <strings.h>

#include <string_view>

#include "http/raw_headers.h"

namespace ephpm {
namespace {

bool g_echo = false;

bool is_request_id(std::string_view name) {
  return name.size() == 12 && strncasecmp(name.data(), "x-request-id", 12) == 0;
}

}  // namespace

void set_echo_request_id(bool echo) { g_echo = echo; }

void echo_request_id(const std::string& raw_request_headers, std::vector<Header>& response) {
  if (!g_echo) return;
  for (const auto& header : response) {
    if (is_request_id(header.name)) return;
  }
  std::string_view id;
  for_each_raw_header(raw_request_headers, [&](std::string_view name, std::string_view value) {
    if (id.empty() && is_request_id(name)) id = value;
  });
  if (!id.empty()) response.push_back({"X-Request-Id", std::string(id)});
}

}  // namespace ephpm
