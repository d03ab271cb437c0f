#include "php/request_array.h"

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "http/raw_headers.h"
#include "php/input_vars.h"
#include "php/server_vars.h"
#include "php/uploads.h"

namespace ephpm {
namespace {

void add_string(zval* array, const char* key, const std::string& value) {
  add_assoc_stringl_ex(array, key, strlen(key), value.data(), value.size());
}

void add_array(zval* array, const char* key, zval* value) { add_assoc_zval_ex(array, key, strlen(key), value); }

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Node gives "Name\nvalue\nName\nvalue"; names are lower-cased and repeated
// ones joined the way HTTP allows: "; " for Cookie, ", " for everything else.
std::vector<Header> parse_headers(const std::string& raw) {
  std::vector<Header> headers;
  for_each_raw_header(raw, [&headers](std::string_view raw_name, std::string_view raw_value) {
    std::string name = lower(std::string(raw_name));
    std::string value(raw_value);
    Header* existing = nullptr;
    for (auto& header : headers) {
      if (header.name == name) existing = &header;
    }
    if (existing) {
      existing->value += name == "cookie" ? "; " : ", ";
      existing->value += value;
    } else {
      headers.push_back({std::move(name), std::move(value)});
    }
  });
  return headers;
}

void add_headers(zval* array, const std::vector<Header>& headers) {
  zval list;
  array_init_size(&list, static_cast<uint32_t>(headers.size()));
  for (const auto& header : headers) {
    add_assoc_stringl_ex(&list, header.name.data(), header.name.size(), header.value.data(), header.value.size());
  }
  add_array(array, "headers", &list);
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

void add_form(zval* array, const Request& request) {
  zval post, files;
  if (request.post_form == PostForm::Multipart) {
    build_multipart_form(request.form, &post, &files);
  } else {
    if (request.post_form == PostForm::UrlEncoded) {
      parse_urlencoded(request.body_file.empty() ? request.body : read_file(request.body_file), &post);
    } else {
      ZVAL_EMPTY_ARRAY(&post);
    }
    ZVAL_EMPTY_ARRAY(&files);
  }
  add_array(array, "post", &post);
  add_array(array, "files", &files);
}

// While the input is parsed, PHP's own warnings about it (max_input_vars,
// nesting level) go to the log only: under php-fpm they happen before the
// script runs, and a user error handler that throws must not turn a client's
// oversized query into an exception out of take_request().
class UserErrorHandlerPaused {
 public:
  UserErrorHandlerPaused() {
    ZVAL_COPY_VALUE(&saved_, &EG(user_error_handler));
    ZVAL_UNDEF(&EG(user_error_handler));
  }
  ~UserErrorHandlerPaused() { ZVAL_COPY_VALUE(&EG(user_error_handler), &saved_); }
  UserErrorHandlerPaused(const UserErrorHandlerPaused&) = delete;
  UserErrorHandlerPaused& operator=(const UserErrorHandlerPaused&) = delete;

 private:
  zval saved_;
};

}  // namespace

void build_request_array(const Request& request, zval* array) {
  std::vector<Header> headers = parse_headers(request.raw_headers);
  size_t question = request.uri.find('?');
  std::string path = question == std::string::npos ? request.uri : request.uri.substr(0, question);
  std::string query_string = question == std::string::npos ? std::string() : request.uri.substr(question + 1);

  array_init_size(array, 24);
  add_assoc_long_ex(array, "id", 2, static_cast<zend_long>(request.id));
  add_string(array, "method", request.method);
  add_string(array, "uri", request.uri);
  add_string(array, "path", path);
  add_string(array, "query_string", query_string);
  add_string(array, "protocol", request.protocol);
  add_string(array, "scheme", request.scheme);
  add_string(array, "remote_addr", request.remote_addr);
  add_assoc_long_ex(array, "remote_port", sizeof("remote_port") - 1, request.remote_port);
  add_string(array, "server_addr", request.server_addr);
  add_assoc_long_ex(array, "server_port", sizeof("server_port") - 1, request.server_port);
  add_assoc_double_ex(array, "request_time_float", sizeof("request_time_float") - 1, request.request_time);
  add_headers(array, headers);

  zval server;
  build_server_array(request, headers, query_string, &server);
  add_array(array, "server", &server);
  {
    UserErrorHandlerPaused paused;
    zval query, cookies;
    parse_query(query_string, &query);
    add_array(array, "query", &query);
    std::string cookie_header;
    for (const auto& header : headers) {
      if (header.name == "cookie") cookie_header = header.value;
    }
    parse_cookies(cookie_header, &cookies);
    add_array(array, "cookies", &cookies);
    add_form(array, request);
  }

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
