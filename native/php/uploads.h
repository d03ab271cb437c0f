// A multipart/form-data POST, parsed by Node, as PHP's rfc1867 handler would
// have given it: fields in `post`, files in `files` with $_FILES' shape, and
// every temp file registered as an uploaded file for is_uploaded_file() and
// move_uploaded_file().
#pragma once

#include <vector>

#include "http/exchange.h"
#include "php/php_includes.h"

namespace ephpm {

void build_multipart_form(const std::vector<FormPart>& parts, zval* post, zval* files);

// Removes the previous request's files from PHP's upload registry (the worker
// script is one long PHP request, so PHP's request shutdown does not).
void forget_uploaded_files();

}  // namespace ephpm
