#include "php/request_array.h"

#include <cctype>
#include <string>

namespace ephpm {
namespace {

void add_string(zval* array, const char* key, const std::string& value) {
  add_assoc_stringl_ex(array, key, strlen(key), value.data(), value.size());
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Node gives "Name\nvalue\nName\nvalue"; repeated names are joined the way
// HTTP allows: "; " for Cookie, ", " for everything else.
void add_headers(zval* array, const std::string& raw, std::string& cookie_header) {
  zval headers;
  array_init(&headers);
  size_t position = 0;
  while (position < raw.size()) {
    size_t name_end = raw.find('\n', position);
    if (name_end == std::string::npos) break;
    size_t value_end = raw.find('\n', name_end + 1);
    if (value_end == std::string::npos) value_end = raw.size();
    std::string name = lower(raw.substr(position, name_end - position));
    std::string value = raw.substr(name_end + 1, value_end - name_end - 1);
    position = value_end + 1;

    zval* existing = zend_hash_str_find(Z_ARRVAL(headers), name.data(), name.size());
    if (existing && Z_TYPE_P(existing) == IS_STRING) {
      std::string joined(Z_STRVAL_P(existing), Z_STRLEN_P(existing));
      joined += name == "cookie" ? "; " : ", ";
      joined += value;
      value = joined;
    }
    if (name == "cookie") cookie_header = value;
    add_assoc_stringl_ex(&headers, name.data(), name.size(), value.data(), value.size());
  }
  add_assoc_zval_ex(array, "headers", sizeof("headers") - 1, &headers);
}

std::string trim(const std::string& text) {
  size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(start, end - start + 1);
}

// Same decoding as PHP's $_COOKIE: values are url-decoded, the first
// occurrence of a name wins.
void add_cookies(zval* array, const std::string& header) {
  zval cookies;
  array_init(&cookies);
  size_t position = 0;
  while (position <= header.size()) {
    size_t end = header.find(';', position);
    if (end == std::string::npos) end = header.size();
    std::string pair = trim(header.substr(position, end - position));
    position = end + 1;
    size_t equals = pair.find('=');
    if (pair.empty() || equals == 0) continue;
    std::string name = equals == std::string::npos ? pair : trim(pair.substr(0, equals));
    std::string value = equals == std::string::npos ? "" : trim(pair.substr(equals + 1));
    if (zend_hash_str_exists(Z_ARRVAL(cookies), name.data(), name.size())) continue;
    size_t decoded_length = php_url_decode(value.data(), value.size());
    add_assoc_stringl_ex(&cookies, name.data(), name.size(), value.data(), decoded_length);
  }
  add_assoc_zval_ex(array, "cookies", sizeof("cookies") - 1, &cookies);
}

}  // namespace

void build_request_array(const Request& request, zval* array) {
  array_init_size(array, 20);
  add_assoc_long_ex(array, "id", 2, static_cast<zend_long>(request.id));
  add_string(array, "method", request.method);
  add_string(array, "uri", request.uri);
  size_t question = request.uri.find('?');
  add_string(array, "path", question == std::string::npos ? request.uri : request.uri.substr(0, question));
  add_string(array, "query_string", question == std::string::npos ? "" : request.uri.substr(question + 1));
  add_string(array, "protocol", request.protocol);
  add_string(array, "scheme", request.scheme);
  add_string(array, "remote_addr", request.remote_addr);
  add_assoc_long_ex(array, "remote_port", sizeof("remote_port") - 1, request.remote_port);
  add_string(array, "server_addr", request.server_addr);
  add_assoc_long_ex(array, "server_port", sizeof("server_port") - 1, request.server_port);
  add_assoc_double_ex(array, "request_time_float", sizeof("request_time_float") - 1, request.request_time);

  std::string cookie_header;
  add_headers(array, request.raw_headers, cookie_header);
  add_cookies(array, cookie_header);

  if (request.body_file.empty()) {
    add_string(array, "body", request.body);
    add_assoc_null_ex(array, "body_file", sizeof("body_file") - 1);
  } else {
    add_assoc_null_ex(array, "body", sizeof("body") - 1);
    add_string(array, "body_file", request.body_file);
  }
  add_assoc_long_ex(array, "body_size", sizeof("body_size") - 1, static_cast<zend_long>(request.body_size));
}

}  // namespace ephpm
