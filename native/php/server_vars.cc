#include "php/server_vars.h"

#include <cctype>

namespace ephpm {
namespace {

std::string g_document_root;
std::string g_script_filename;

template <size_t N>
void put(zval* array, const char (&key)[N], const std::string& value) {
  add_assoc_stringl_ex(array, key, N - 1, value.data(), value.size());
}

template <size_t N>
void put(zval* array, const char (&key)[N], const char* value) {
  add_assoc_stringl_ex(array, key, N - 1, value, strlen(value));
}

// "[::1]:8080" → "[::1]", "example.com:8080" → "example.com".
std::string host_without_port(const std::string& host) {
  if (!host.empty() && host[0] == '[') {
    size_t end = host.find(']');
    return end == std::string::npos ? host : host.substr(0, end + 1);
  }
  return host.substr(0, host.find(':'));
}

// As CGI names them: HTTP_ + the name upper-cased with dashes as underscores,
// except Content-Type and Content-Length, which go without the prefix.
void add_header(zval* server, const Header& header) {
  const std::string& name = header.name;
  // nginx drops header names with underscores by default: "X_Forwarded_For"
  // must not pass for X-Forwarded-For once both are HTTP_X_FORWARDED_FOR.
  if (name.find('_') != std::string::npos) return;
  // httpoxy: HTTP_PROXY is where HTTP clients look for their proxy.
  if (name == "proxy") return;
  if (name == "content-type") return put(server, "CONTENT_TYPE", header.value);
  if (name == "content-length") return put(server, "CONTENT_LENGTH", header.value);
  std::string key = "HTTP_";
  key.reserve(5 + name.size());
  for (char c : name) key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  add_assoc_stringl_ex(server, key.data(), key.size(), header.value.data(), header.value.size());
}

}  // namespace

void set_document_root(const std::string& root) {
  g_document_root = root;
  g_script_filename = root + "/index.php";
}

void build_server_array(const Request& request, const std::vector<Header>& headers, const std::string& query_string,
                        zval* server) {
  array_init_size(server, static_cast<uint32_t>(24 + headers.size()));
  put(server, "REQUEST_METHOD", request.method);
  put(server, "REQUEST_URI", request.uri);
  put(server, "QUERY_STRING", query_string);
  put(server, "SERVER_PROTOCOL", request.protocol);
  put(server, "REQUEST_SCHEME", request.scheme);
  if (request.scheme == "https") put(server, "HTTPS", "on");
  put(server, "GATEWAY_INTERFACE", "CGI/1.1");
  put(server, "SERVER_SOFTWARE", "ephpm");

  const std::string* host = nullptr;
  for (const auto& header : headers) {
    if (header.name == "host") host = &header.value;
  }
  put(server, "SERVER_NAME", host && !host->empty() ? host_without_port(*host) : request.server_addr);
  // CGI variables are strings; PHP adds the two REQUEST_TIME ones itself, as numbers.
  put(server, "SERVER_PORT", std::to_string(request.server_port));
  put(server, "SERVER_ADDR", request.server_addr);
  put(server, "REMOTE_ADDR", request.remote_addr);
  put(server, "REMOTE_PORT", std::to_string(request.remote_port));
  put(server, "DOCUMENT_ROOT", g_document_root);
  put(server, "DOCUMENT_URI", "/index.php");
  put(server, "SCRIPT_NAME", "/index.php");
  put(server, "SCRIPT_FILENAME", g_script_filename);
  put(server, "PHP_SELF", "/index.php");
  add_assoc_long_ex(server, "REQUEST_TIME", sizeof("REQUEST_TIME") - 1, static_cast<zend_long>(request.request_time));
  add_assoc_double_ex(server, "REQUEST_TIME_FLOAT", sizeof("REQUEST_TIME_FLOAT") - 1, request.request_time);
  for (const auto& header : headers) add_header(server, header);
}

}  // namespace ephpm
