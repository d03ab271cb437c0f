#include "php/server_vars.h"

#include <cctype>

namespace ephpm {
namespace {

// The fixed keys and values, interned once at module startup: a request's
// $_SERVER then costs no hashing and no allocation for them.
enum Key {
  kRequestMethod,
  kRequestUri,
  kQueryString,
  kServerProtocol,
  kRequestScheme,
  kHttps,
  kGatewayInterface,
  kServerSoftware,
  kServerName,
  kServerPort,
  kServerAddr,
  kRemoteAddr,
  kRemotePort,
  kDocumentRoot,
  kDocumentUri,
  kScriptName,
  kScriptFilename,
  kPhpSelf,
  kRequestTime,
  kRequestTimeFloat,
  kContentType,
  kContentLength,
  kKeyCount
};
const char* const kKeyNames[kKeyCount] = {
    "REQUEST_METHOD",    "REQUEST_URI",        "QUERY_STRING", "SERVER_PROTOCOL", "REQUEST_SCHEME",  "HTTPS",
    "GATEWAY_INTERFACE", "SERVER_SOFTWARE",    "SERVER_NAME",  "SERVER_PORT",     "SERVER_ADDR",     "REMOTE_ADDR",
    "REMOTE_PORT",       "DOCUMENT_ROOT",      "DOCUMENT_URI", "SCRIPT_NAME",     "SCRIPT_FILENAME", "PHP_SELF",
    "REQUEST_TIME",      "REQUEST_TIME_FLOAT", "CONTENT_TYPE", "CONTENT_LENGTH",
};

zend_string* g_keys[kKeyCount];
zend_string* g_on;
zend_string* g_cgi;
zend_string* g_software;
zend_string* g_index;
zend_string* g_root;
zend_string* g_script_filename;

zend_string* intern(const std::string& text) { return zend_string_init_interned(text.data(), text.size(), 1); }

void put(HashTable* server, Key key, zend_string* interned) {
  zval value;
  ZVAL_INTERNED_STR(&value, interned);
  zend_hash_add_new(server, g_keys[key], &value);
}

void put(HashTable* server, Key key, const std::string& text) {
  zval value;
  ZVAL_STRINGL_FAST(&value, text.data(), text.size());
  zend_hash_add_new(server, g_keys[key], &value);
}

void put_number(HashTable* server, Key key, int32_t number) {
  char digits[16];
  int length = snprintf(digits, sizeof(digits), "%d", number);
  zval value;
  ZVAL_STRINGL_FAST(&value, digits, length);
  zend_hash_add_new(server, g_keys[key], &value);
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
void add_header(HashTable* server, const Header& header) {
  const std::string& name = header.name;
  // nginx drops header names with underscores by default: "X_Forwarded_For"
  // must not pass for X-Forwarded-For once both are HTTP_X_FORWARDED_FOR.
  if (name.find('_') != std::string::npos) return;
  // httpoxy: HTTP_PROXY is where HTTP clients look for their proxy.
  if (name == "proxy") return;
  if (name == "content-type") return put(server, kContentType, header.value);
  if (name == "content-length") return put(server, kContentLength, header.value);
  std::string key = "HTTP_";
  key.reserve(5 + name.size());
  for (char c : name) key += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  zval value;
  ZVAL_STRINGL_FAST(&value, header.value.data(), header.value.size());
  zend_symtable_str_update(server, key.data(), key.size(), &value);
}

// Like an interned string (never counted or freed), but made without PHP: a worker forked by the zygote learns its
// document root after PHP's startup, when PHP no longer makes permanent interned strings.
zend_string* permanent(const std::string& text) {
  zend_string* made = zend_string_init(text.data(), text.size(), 1);
  zend_string_hash_val(made);
  GC_ADD_FLAGS(made, IS_STR_INTERNED | IS_STR_PERMANENT);
  return made;
}

}  // namespace

void set_document_root(const std::string& root) {
  g_root = permanent(root);
  g_script_filename = permanent(root + "/index.php");
}

void intern_server_vars() {
  for (int key = 0; key < kKeyCount; key++) g_keys[key] = intern(kKeyNames[key]);
  g_on = intern("on");
  g_cgi = intern("CGI/1.1");
  g_software = intern("ephpm");
  g_index = intern("/index.php");
}

void build_server_array(const Request& request, const std::vector<Header>& headers, const std::string& query_string,
                        zval* array) {
  array_init_size(array, static_cast<uint32_t>(24 + headers.size()));
  HashTable* server = Z_ARRVAL_P(array);
  put(server, kRequestMethod, request.method);
  put(server, kRequestUri, request.uri);
  put(server, kQueryString, query_string);
  put(server, kServerProtocol, request.protocol);
  put(server, kRequestScheme, request.scheme);
  if (request.scheme == "https") put(server, kHttps, g_on);
  put(server, kGatewayInterface, g_cgi);
  put(server, kServerSoftware, g_software);

  const std::string* host = nullptr;
  for (const auto& header : headers) {
    if (header.name == "host") host = &header.value;
  }
  put(server, kServerName, host && !host->empty() ? host_without_port(*host) : request.server_addr);
  // CGI variables are strings; PHP adds the two REQUEST_TIME ones itself, as numbers.
  put_number(server, kServerPort, request.server_port);
  put(server, kServerAddr, request.server_addr);
  put(server, kRemoteAddr, request.remote_addr);
  put_number(server, kRemotePort, request.remote_port);
  put(server, kDocumentRoot, g_root);
  put(server, kDocumentUri, g_index);
  put(server, kScriptName, g_index);
  put(server, kScriptFilename, g_script_filename);
  put(server, kPhpSelf, g_index);
  zval time;
  ZVAL_LONG(&time, static_cast<zend_long>(request.request_time));
  zend_hash_add_new(server, g_keys[kRequestTime], &time);
  ZVAL_DOUBLE(&time, request.request_time);
  zend_hash_add_new(server, g_keys[kRequestTimeFloat], &time);
  for (const auto& header : headers) add_header(server, header);
}

}  // namespace ephpm
