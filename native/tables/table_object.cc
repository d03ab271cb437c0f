#include "tables/table_object.h"

#include <cstring>
#include <string>
#include <vector>

namespace ephpm {
namespace {

using tables::ColumnInfo;
using tables::ColumnType;
using tables::Table;

zend_class_entry* g_table_ce;
zend_object_handlers g_handlers;

// Column names as permanent interned strings, made once per table: rows are
// built with them as keys without allocating or hashing a name each time.
std::vector<std::vector<zend_string*>> g_column_names;
std::vector<char> g_values;  // one row's values, copied out of shared memory

TableObject* object_of(zend_object* object) {
  return reinterpret_cast<TableObject*>(reinterpret_cast<char*>(object) - XtOffsetOf(TableObject, std));
}

zend_string* permanent_name(const char* text) {
  zend_string* name = zend_string_init(text, strlen(text), 1);
  zend_string_hash_val(name);
  GC_ADD_FLAGS(name, IS_STR_INTERNED | IS_STR_PERMANENT);
  return name;
}

zend_string** names_for(size_t index, const Table& table) {
  if (g_column_names.size() <= index) g_column_names.resize(index + 1);
  auto& names = g_column_names[index];
  if (names.empty()) {
    for (uint32_t c = 0; c < table.column_count(); c++) names.push_back(permanent_name(table.column(c).name));
  }
  if (g_values.size() < table.values_size()) g_values.resize(table.values_size());
  return names.data();
}

zend_object* create_table_object(zend_class_entry* ce) {
  auto* object = static_cast<TableObject*>(ecalloc(1, sizeof(TableObject) + zend_object_properties_size(ce)));
  zend_object_std_init(&object->std, ce);
  object_properties_init(&object->std, ce);
  object->std.handlers = &g_handlers;
  return &object->std;
}

void free_table_object(zend_object* std) {
  TableObject* object = object_of(std);
  if (object->current_key) zend_string_release(object->current_key);
  if (object->current_values) efree(object->current_values);
  zend_object_std_dtor(std);
}

}  // namespace

void init_table_objects(zend_class_entry* table_class) {
  g_table_ce = table_class;
  g_table_ce->create_object = create_table_object;
  memcpy(&g_handlers, zend_get_std_object_handlers(), sizeof(g_handlers));
  g_handlers.offset = XtOffsetOf(TableObject, std);
  g_handlers.free_obj = free_table_object;
  g_handlers.clone_obj = nullptr;
}

TableObject* this_table(zval* self) { return object_of(Z_OBJ_P(self)); }

void new_table_object(zval* out, size_t index, bool swoole) {
  Table& table = tables::attached()->tables()[index];
  object_init_ex(out, g_table_ce);
  TableObject* object = object_of(Z_OBJ_P(out));
  object->table = &table;
  object->swoole = swoole;
  object->names = names_for(index, table);
}

char* row_buffer() { return g_values.data(); }

void column_to_zval(const ColumnInfo& column, const char* values, zval* out) {
  if (column.type == ColumnType::Int) {
    ZVAL_LONG(out, Table::read_int(values, column));
  } else if (column.type == ColumnType::Float) {
    ZVAL_DOUBLE(out, Table::read_float(values, column));
  } else {
    uint32_t len;
    const char* text = Table::read_string(values, column, len);
    if (len == 0) ZVAL_EMPTY_STRING(out);
    else ZVAL_STRINGL(out, text, len);
  }
}

void row_to_array(const TableObject* object, const char* values, zval* out) {
  const Table& table = *object->table;
  array_init_size(out, table.column_count());
  HashTable* row = Z_ARRVAL_P(out);
  zend_hash_real_init_mixed(row);
  for (uint32_t c = 0; c < table.column_count(); c++) {
    zval value;
    column_to_zval(table.column(c), values, &value);
    _zend_hash_append_ex(row, object->names[c], &value, true);
  }
}

void load_next(TableObject* object) {
  static std::string key;
  if (object->current_key) {
    zend_string_release(object->current_key);
    object->current_key = nullptr;
  }
  if (!object->current_values) object->current_values = static_cast<char*>(emalloc(object->table->values_size()));
  object->has_current = object->table->next(object->cursor, key, object->current_values);
  if (object->has_current) object->current_key = zend_string_init(key.data(), key.size(), 0);
}

}  // namespace ephpm
