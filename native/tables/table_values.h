// Checks and conversions for the PHP face of the shared tables (table_php.cc):
// keys, column names and PHP values in, with the exceptions that name the
// table, the column and the limit. Runs on the PHP thread only.
#pragma once

#include <string>

#include "php/php_includes.h"
#include "tables/shared_table.h"

namespace ephpm {

// Ephpm\Octane\TableException, InvalidTableArgument, ValueTooLargeForColumnException.
extern zend_class_entry* g_table_exception_ce;
extern zend_class_entry* g_invalid_argument_ce;
extern zend_class_entry* g_value_too_large_ce;

// Each throws and returns false (or -1) when the input is refused.
bool check_key(const tables::Table& table, zend_string* key);
int column_or_throw(const tables::Table& table, const char* name, size_t len);
void throw_full(const tables::Table& table, zend_string* key);
// `truncate` (Octane::table(), as Swoole): a fraction is cut off instead of refused.
bool whole_number(const tables::Table& table, const tables::ColumnInfo& column, double number, int64_t& out,
                  bool truncate);

// Owns the strings made while converting a row; released when the call ends.
struct Temporaries {
  zend_string* strings[tables::kMaxColumns];
  int count = 0;
  ~Temporaries() {
    for (int i = 0; i < count; i++) zend_string_release(strings[i]);
  }
};

// `swoole` (Octane::table()): a fraction for an int column is truncated, as Swoole does.
bool to_value(const tables::Table& table, const tables::ColumnInfo& column, zval* value, tables::Value& out,
              Temporaries& temporaries, bool swoole);

// A row as set() takes it ([column => value], columns by name or position) into `values` (column_count() entries);
// `swoole` (Octane::table()): columns the table does not declare are skipped, fractions for ints truncated.
bool to_values(const tables::Table& table, HashTable* row, tables::Value* values, Temporaries& temporaries,
               bool swoole);

}  // namespace ephpm
