// Ephpm\Octane\Table::strong() and the Ephpm\Octane\Cluster functions its PHP class uses (strong_php.cc).
#pragma once

#include "php/php_includes.h"

namespace ephpm {

// The body of Table::strong() (registered with the class in table_php.cc).
void strong_view(INTERNAL_FUNCTION_PARAMETERS);

// From the module's MINIT, once Ephpm\Octane\Table is registered: the Ephpm\Octane\Cluster functions.
zend_result cluster_module_startup(int type, zend_class_entry* table_class);

}  // namespace ephpm
