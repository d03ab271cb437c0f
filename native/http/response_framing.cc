#include "http/response_framing.h"

#include <strings.h>

#include <algorithm>
#include <optional>
#include <string>

namespace ephpm {
namespace {

// 15 digits: up to ~1 PB, well within a double's exact integers (Node reads the value as a number).
constexpr size_t kMaxLengthDigits = 15;

bool is_named(const Header& header, const char* name) { return strcasecmp(header.name.c_str(), name) == 0; }

// The app's Content-Length when it is one header of digits only (optional
// whitespace around, as a field value may have); anything else is no length.
std::optional<size_t> declared_length(const std::vector<Header>& headers) {
  const Header* found = nullptr;
  for (const auto& header : headers) {
    if (!is_named(header, "content-length")) continue;
    if (found) return std::nullopt;
    found = &header;
  }
  if (!found) return std::nullopt;
  const std::string& value = found->value;
  size_t start = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t");
  if (start == std::string::npos || end - start + 1 > kMaxLengthDigits) return std::nullopt;
  size_t length = 0;
  for (size_t i = start; i <= end; i++) {
    if (value[i] < '0' || value[i] > '9') return std::nullopt;
    length = length * 10 + static_cast<size_t>(value[i] - '0');
  }
  return length;
}

}  // namespace

void frame_response(std::vector<Header>& headers, const ResponseShape& shape) {
  std::optional<size_t> declared = declared_length(headers);
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const Header& header) {
                                 return is_named(header, "content-length") || is_named(header, "transfer-encoding");
                               }),
                headers.end());
  std::optional<size_t> length;
  if (shape.status < 200 || shape.status == 204) {
    length = std::nullopt;
  } else if (shape.status == 304) {
    length = declared;
  } else if (shape.head_request) {
    // The length GET would have. A framework that drops HEAD bodies (Symfony) and sets none claims none, as under
    // php-fpm.
    if (declared) length = declared;
    else if (shape.complete && shape.body_size > 0) length = shape.body_size;
  } else if (shape.complete) {
    length = shape.body_size;
  } else {
    length = declared;
  }
  if (length) headers.push_back({"Content-Length", std::to_string(*length)});
}

}  // namespace ephpm
