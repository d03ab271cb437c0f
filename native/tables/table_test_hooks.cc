#include "tables/table_test_hooks.h"

#include <unistd.h>

#include <cstdio>

#include "tables/shared_table.h"
// PHP's headers after the standard library's (they redefine vsnprintf).
#include "php/php_includes.h"

namespace ephpm {

#include "tables/table_test_hooks_arginfo.h"  // generated from table_test_hooks.stub.php by scripts/generate-arginfo.sh

namespace {

[[noreturn]] void pause_forever(const tables::Table& table, const char* key, size_t len) {
  fprintf(stderr, "ephpm-test: pid %d paused mid-write of key [%.*s] in table [%s]\n", getpid(), static_cast<int>(len),
          key, table.name());
  fflush(stderr);
  for (;;) sleep(3600);
}

}  // namespace

// The next row write stops half-way (first column written, the rest not), prints a line, and waits to be killed.
// Normal writes only test one null pointer.
PHP_FUNCTION(Ephpm_Octane_Testing_pause_next_table_write) {
  ZEND_PARSE_PARAMETERS_NONE();
  tables::g_mid_write_hook = pause_forever;
}

void register_table_test_hooks(int type) { zend_register_functions(nullptr, ext_functions, nullptr, type); }

}  // namespace ephpm
