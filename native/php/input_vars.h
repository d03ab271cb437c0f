// The query string, cookies and a urlencoded POST body as PHP itself turns
// them into $_GET, $_COOKIE and $_POST: PHP's own decoding and variable
// registration (name mangling, nested arrays, max_input_vars).
#pragma once

#include <string>

#include "php/php_includes.h"

namespace ephpm {

void parse_query(const std::string& query_string, zval* query);

// `header`: the Cookie header(s), joined with "; ".
void parse_cookies(const std::string& header, zval* cookies);

// The body of an application/x-www-form-urlencoded POST.
void parse_urlencoded(std::string body, zval* post);

}  // namespace ephpm
