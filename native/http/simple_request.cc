#include "http/simple_request.h"

#include <strings.h>
#include <sys/random.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace ephpm {
namespace {

bool token_char(unsigned char c) {
  if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool named(std::string_view name, const char* lower) {
  return name.size() == strlen(lower) && strncasecmp(name.data(), lower, name.size()) == 0;
}

// A name or IPv4 address of letters, digits, dots and dashes, with an optional port: any other Host (IPv6, escapes,
// underscores) goes to Node, which knows the whole grammar (host-header.ts).
bool plain_host(std::string_view host) {
  size_t colon = host.find(':');
  std::string_view name = host.substr(0, colon);
  if (name.empty() || name.find("..") != std::string_view::npos) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-' || c == '.')) return false;
  }
  if (colon == std::string_view::npos) return true;
  std::string_view port = host.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return std::atoi(std::string(port).c_str()) <= 65535;
}

// Path and query characters RFC 3986 allows unescaped, and '%' (escapes are checked by Node: see has '%' below).
bool target_char(unsigned char c) {
  if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool parse_simple_request(const char* data, size_t size, SimpleRequest& request) {
  const char* end = static_cast<const char*>(memmem(data, size, "\r\n\r\n", 4));
  if (!end || size < 16 || memcmp(data, "GET /", 5) != 0) return false;
  request.length = static_cast<size_t>(end - data) + 4;
  const char* line_end = static_cast<const char*>(memmem(data, request.length, "\r\n", 2));
  const char* target = data + 4;
  const char* target_end = target;
  while (target_end < line_end && target_char(static_cast<unsigned char>(*target_end))) target_end++;
  if (line_end - target_end != 9 || memcmp(target_end, " HTTP/1.1", 9) != 0) return false;
  request.uri.assign(target, target_end);
  int hosts = 0;
  for (const char* line = line_end + 2; line < end + 2;) {
    const char* eol = static_cast<const char*>(memmem(line, static_cast<size_t>(end + 2 - line), "\r\n", 2));
    const char* colon = line;
    while (colon < eol && token_char(static_cast<unsigned char>(*colon))) colon++;
    if (colon == line || colon == eol || *colon != ':') return false;
    std::string_view name(line, static_cast<size_t>(colon - line));
    const char* value = colon + 1;
    while (value < eol && (*value == ' ' || *value == '\t')) value++;
    const char* value_end = eol;
    while (value_end > value && (value_end[-1] == ' ' || value_end[-1] == '\t')) value_end--;
    for (const char* c = value; c < value_end; c++) {
      unsigned char byte = static_cast<unsigned char>(*c);
      if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return false;
    }
    // Headers that give the request a body or change the connection: Node's to handle. `Connection: keep-alive`
    // (what most clients send) asks for what HTTP/1.1 does anyway.
    for (const char* refused : {"content-length", "transfer-encoding", "expect", "upgrade", "te"}) {
      if (named(name, refused)) return false;
    }
    if (named(name, "connection") &&
        !named(std::string_view(value, static_cast<size_t>(value_end - value)), "keep-alive"))
      return false;
    if (named(name, "host")) {
      if (++hosts > 1 || !plain_host(std::string_view(value, static_cast<size_t>(value_end - value)))) return false;
    }
    if (named(name, "x-request-id")) request.has_request_id = true;
    if (named(name, "range")) request.has_range = true;
    if (named(name, "accept-encoding")) {
      request.accept_encodings++;
      request.accept_encoding.assign(value, value_end);
    }
    if (named(name, "user-agent")) request.user_agent.assign(value, value_end);
    if (!request.headers.empty()) request.headers += '\n';
    request.headers.append(name);
    request.headers += '\n';
    request.headers.append(value, value_end);
    line = eol + 2;
  }
  return hosts == 1;
}

namespace {

// Drawn in batches, as Node's randomUUID() draws them: one getrandom() per 128 ids (each thread its own pool).
bool random_id_bytes(unsigned char* bytes) {
  static thread_local unsigned char pool[16 * 128];
  static thread_local size_t used = sizeof pool;
  if (used == sizeof pool) {
    if (getrandom(pool, sizeof pool, 0) != static_cast<ssize_t>(sizeof pool)) return false;
    used = 0;
  }
  std::memcpy(bytes, pool + used, 16);
  used += 16;
  return true;
}

}  // namespace

std::string random_uuid() {
  unsigned char bytes[16];
  if (!random_id_bytes(bytes)) return {};
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  static const char hex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += hex[bytes[i] >> 4];
    id += hex[bytes[i] & 15];
  }
  return id;
}

}  // namespace ephpm
