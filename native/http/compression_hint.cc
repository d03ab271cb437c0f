#include "http/compression_hint.h"

#include <strings.h>

#include <cstring>

namespace ephpm {
namespace {

bool starts_with_nocase(const std::string& value, const char* prefix) {
  return strncasecmp(value.c_str(), prefix, strlen(prefix)) == 0;
}

// Media types that are compressed already (Node's list is longer; these are the common large ones).
bool compressed_media(const std::string& type) {
  if (starts_with_nocase(type, "image/svg")) return false;
  return starts_with_nocase(type, "image/") || starts_with_nocase(type, "audio/") || starts_with_nocase(type, "video/");
}

}  // namespace

bool node_may_compress(double compress_from, int status, const std::vector<Header>& headers, size_t body_size) {
  if (compress_from < 0 || static_cast<double>(body_size) < compress_from) return false;
  if (status < 200 || status == 204 || status == 206 || status == 304) return false;
  for (const auto& header : headers) {
    if (strcasecmp(header.name.c_str(), "content-encoding") == 0) return false;
    if (strcasecmp(header.name.c_str(), "content-type") == 0 && compressed_media(header.value)) return false;
  }
  return true;
}

}  // namespace ephpm
