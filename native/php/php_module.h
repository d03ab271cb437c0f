// The Ephpm\Octane\* functions that worker scripts call.
#pragma once

#include "php/php_includes.h"

namespace ephpm {

zend_module_entry* ephpm_module_entry();

// An internal exception class, e.g. register_exception("Ephpm\\Octane\\TaskTimeout", spl_ce_RuntimeException).
zend_class_entry* register_exception(const char* name, zend_class_entry* parent);

}  // namespace ephpm
