#include "php/input_vars.h"

#include <cctype>
#include <cstring>

namespace ephpm {
namespace {

void warn_input_vars_exceeded() {
  php_error_docref(nullptr, E_WARNING,
                   "Input variables exceeded " ZEND_LONG_FMT
                   ". To increase the limit change max_input_vars in php.ini.",
                   PG(max_input_vars));
}

}  // namespace

// parse_str() and $_GET go through the same treat_data(); PARSE_STRING keeps
// input filters from storing the values as the process's own $_GET.
void parse_query(const std::string& query_string, zval* query) {
  if (query_string.empty()) {
    ZVAL_EMPTY_ARRAY(query);
    return;
  }
  array_init(query);
  sapi_module.treat_data(PARSE_STRING, estrndup(query_string.data(), query_string.size()), query);  // frees the copy
}

// php_default_treat_data(PARSE_COOKIE, ...) reads SG(request_info).cookie_data
// and writes the process's own $_COOKIE, so its loop is repeated here: split
// on ';', leading spaces dropped, values raw-url-decoded, names as sent.
// Registering while `cookies` stands in for $_COOKIE gives PHP's rule that
// the first cookie of a name wins.
void parse_cookies(const std::string& header, zval* cookies) {
  if (header.empty()) {
    ZVAL_EMPTY_ARRAY(cookies);
    return;
  }
  array_init(cookies);
  zval own;
  ZVAL_COPY_VALUE(&own, &PG(http_globals)[TRACK_VARS_COOKIE]);
  ZVAL_COPY_VALUE(&PG(http_globals)[TRACK_VARS_COOKIE], cookies);

  std::string buffer = header;
  char* position = nullptr;
  zend_long count = 0;
  for (char* var = php_strtok_r(buffer.data(), ";", &position); var; var = php_strtok_r(nullptr, ";", &position)) {
    char* value = strchr(var, '=');
    while (isspace(static_cast<unsigned char>(*var))) var++;
    if (var == value || *var == '\0') continue;
    if (++count > PG(max_input_vars)) {
      warn_input_vars_exceeded();
      break;
    }
    size_t length = 0;
    if (value) {
      *value++ = '\0';
      length = php_raw_url_decode(value, strlen(value));
    }
    php_register_variable_safe(var, value ? value : "", length, cookies);
  }
  ZVAL_COPY_VALUE(&PG(http_globals)[TRACK_VARS_COOKIE], &own);
}

// As php_std_post_handler: pairs split on '&' (not arg_separator.input),
// names and values url-decoded, the pair past max_input_vars still registered.
void parse_urlencoded(std::string body, zval* post) {
  array_init(post);
  char* position = body.data();
  char* end = position + body.size();
  zend_long count = 0;
  while (position < end) {
    char* pair_end = static_cast<char*>(memchr(position, '&', end - position));
    if (!pair_end) pair_end = end;
    char* equals = static_cast<char*>(memchr(position, '=', pair_end - position));
    char* value = equals ? equals + 1 : pair_end;
    size_t value_length = equals ? pair_end - value : 0;
    *(equals ? equals : pair_end) = '\0';  // the name ends here (body's own terminator at the end)
    php_url_decode(position, strlen(position));
    if (value_length) value_length = php_url_decode(value, value_length);
    php_register_variable_safe(position, value_length ? value : "", value_length, post);
    position = pair_end + 1;
    if (++count > PG(max_input_vars)) {
      warn_input_vars_exceeded();
      break;
    }
  }
}

}  // namespace ephpm
