// The request's $_SERVER, as php-fpm behind nginx gives it to public/index.php.
#pragma once

#include <string>
#include <vector>

#include "http/exchange.h"
#include "php/php_includes.h"

namespace ephpm {

// The app's public/ directory; set once, before the PHP thread starts.
void set_document_root(const std::string& root);

// At module startup, while interned strings are permanent.
void intern_server_vars();

// `headers` have lower-case names, repeated ones already joined.
void build_server_array(const Request& request, const std::vector<Header>& headers, const std::string& query_string,
                        zval* server);

}  // namespace ephpm
