// The Ephpm\Octane\* functions that worker scripts call.
#pragma once

#include "php/php_includes.h"

namespace ephpm {

zend_module_entry* ephpm_module_entry();

}  // namespace ephpm
