#pragma once

#include "http/bridge.h"
#include "php/php_includes.h"

namespace ephpm {

// Fills `array` with everything a framework needs to rebuild the request.
void build_request_array(const Request& request, zval* array);

}  // namespace ephpm
