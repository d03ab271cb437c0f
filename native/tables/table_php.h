// The PHP side of the shared tables: class Ephpm\Octane\Table, the functions
// \Ephpm\Octane\table() and tables(), and their exceptions.
#pragma once

#include "php/php_includes.h"

namespace ephpm {

// The ephpm module's MINIT: registers the classes and functions above.
zend_result table_module_startup(int type, int module_number);

}  // namespace ephpm
