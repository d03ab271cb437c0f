// The PHP object behind Ephpm\Octane\Table: which shared table it stands
// for, its foreach cursor, its lifetime, and rows turned into PHP values.
// Runs on the PHP thread only.
#pragma once

#include "php/php_includes.h"
#include "tables/shared_table.h"

namespace ephpm {

struct TableObject {
  tables::Table* table;
  zend_string** names;  // the table's column names, interned once
  bool swoole;          // Swoole's leniency (undeclared columns skipped, fractions truncated): Octane::table()
  uint32_t cursor;      // the next slot foreach looks at
  bool has_current;
  zend_string* current_key;
  char* current_values;
  zend_object std;
};

// Called once the class is registered: objects get a TableObject around them.
void init_table_objects(zend_class_entry* table_class);

TableObject* this_table(zval* self);
// `out` becomes a Table object for the attached segment's table at `index`;
// `swoole` makes it lenient where Swoole\Table is (see TableObject::swoole).
void new_table_object(zval* out, size_t index, bool swoole);

// Room for one row's values, copied out of shared memory (sized for every table
// an object was made for).
char* row_buffer();
void column_to_zval(const tables::ColumnInfo& column, const char* values, zval* out);
void row_to_array(const TableObject* object, const char* values, zval* out);
// foreach: the next row after object->cursor, into current_key / current_values.
void load_next(TableObject* object);

}  // namespace ephpm
