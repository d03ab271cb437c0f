// Header lists in and out of PHP: header() state and PHP header arrays.
#pragma once

#include <string>
#include <vector>

#include "http/bridge.h"
#include "php/php_includes.h"

namespace ephpm {

// Headers set with header() during the current request, in order.
std::vector<Header> sapi_header_list();
// Status set with http_response_code() or header(); 200 if none.
int sapi_response_code();
void clear_sapi_headers();

bool has_header(const std::vector<Header>& headers, const char* name);

// ['Name' => 'value', 'Set-Cookie' => ['a=1', 'b=2'], ...] or a list of
// [name, value] pairs. Returns false (with a PHP TypeError thrown) on bad input.
bool headers_from_array(HashTable* array, std::vector<Header>& out);

}  // namespace ephpm
