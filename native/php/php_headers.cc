#include "php/php_headers.h"

#include <strings.h>

#include <cstdio>

namespace ephpm {
namespace {

bool scalar_to_string(zval* value, std::string& out) {
  switch (Z_TYPE_P(value)) {
    case IS_STRING:
      out.assign(Z_STRVAL_P(value), Z_STRLEN_P(value));
      return true;
    case IS_LONG:
      out = std::to_string(Z_LVAL_P(value));
      return true;
    case IS_DOUBLE: {
      char buffer[64];
      snprintf(buffer, sizeof buffer, "%.17g", Z_DVAL_P(value));
      out = buffer;
      return true;
    }
    case IS_TRUE:
      out = "1";
      return true;
    default:
      return false;
  }
}

bool valid_header_text(const std::string& text) {
  return text.find_first_of("\r\n") == std::string::npos && text.find('\0') == std::string::npos;
}

bool add_header(const std::string& name, zval* value, std::vector<Header>& out) {
  std::string text;
  if (!scalar_to_string(value, text)) {
    zend_type_error("Header \"%s\" must be a string, an int or a list of strings", name.c_str());
    return false;
  }
  if (name.empty() || !valid_header_text(name) || !valid_header_text(text)) {
    zend_value_error("Header \"%s\" contains a line break or NUL byte", name.c_str());
    return false;
  }
  out.push_back({name, std::move(text)});
  return true;
}

}  // namespace

std::vector<Header> sapi_header_list() {
  std::vector<Header> headers;
  zend_llist_position position;
  auto* header = static_cast<sapi_header_struct*>(zend_llist_get_first_ex(&SG(sapi_headers).headers, &position));
  while (header) {
    std::string line(header->header, header->header_len);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t start = line.find_first_not_of(' ', colon + 1);
      headers.push_back({line.substr(0, colon), start == std::string::npos ? "" : line.substr(start)});
    }
    header = static_cast<sapi_header_struct*>(zend_llist_get_next_ex(&SG(sapi_headers).headers, &position));
  }
  return headers;
}

int sapi_response_code() {
  int code = SG(sapi_headers).http_response_code;
  return code > 0 ? code : 200;
}

void clear_sapi_headers() {
  zend_llist_clean(&SG(sapi_headers).headers);
  SG(sapi_headers).http_response_code = 0;
}

bool has_header(const std::vector<Header>& headers, const char* name) {
  for (const auto& header : headers) {
    if (strcasecmp(header.name.c_str(), name) == 0) return true;
  }
  return false;
}

bool headers_from_array(HashTable* array, std::vector<Header>& out) {
  zend_string* key;
  zend_ulong index;
  zval* value;
  ZEND_HASH_FOREACH_KEY_VAL(array, index, key, value) {
    (void)index;
    ZVAL_DEREF(value);
    if (key) {
      std::string name(ZSTR_VAL(key), ZSTR_LEN(key));
      if (Z_TYPE_P(value) == IS_ARRAY) {
        zval* item;
        ZEND_HASH_FOREACH_VAL(Z_ARRVAL_P(value), item) {
          ZVAL_DEREF(item);
          if (!add_header(name, item, out)) return false;
        }
        ZEND_HASH_FOREACH_END();
      } else if (!add_header(name, value, out)) {
        return false;
      }
    } else {
      // A [name, value] pair in a list.
      zval* name = Z_TYPE_P(value) == IS_ARRAY ? zend_hash_index_find(Z_ARRVAL_P(value), 0) : nullptr;
      zval* item = Z_TYPE_P(value) == IS_ARRAY ? zend_hash_index_find(Z_ARRVAL_P(value), 1) : nullptr;
      if (!name || !item || Z_TYPE_P(name) != IS_STRING) {
        zend_type_error("Headers must be ['Name' => 'value'] or a list of ['Name', 'value'] pairs");
        return false;
      }
      if (!add_header(std::string(Z_STRVAL_P(name), Z_STRLEN_P(name)), item, out)) return false;
    }
  }
  ZEND_HASH_FOREACH_END();
  return true;
}

}  // namespace ephpm
