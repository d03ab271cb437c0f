// PHP face of the shared tables: class Ephpm\Octane\Table (Swoole\Table's
// methods as Octane users call them), \Ephpm\Octane\table() / tables(), and
// the exceptions. Runs on the PHP thread only.
//
// Nothing here calls into PHP while a stripe lock is held: values are
// converted before locking and rows are copied out before building arrays,
// so a fatal error (a longjmp) can never leave a table locked.
#include "tables/table_php.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "cluster/strong_php.h"
#include "php/php_includes.h"
#include "tables/shared_table.h"
#include "tables/table_object.h"
#include "tables/table_test_hooks.h"
#include "tables/table_values.h"

extern "C" {
#include <Zend/zend_interfaces.h>
#include <ext/spl/spl_exceptions.h>
}

namespace ephpm {

#include "tables/tables_arginfo.h"  // generated from tables.stub.php by scripts/generate-arginfo.sh

namespace {

using tables::ColumnInfo;
using tables::ColumnType;
using tables::Table;
using tables::Value;

zend_class_entry* g_table_ce;

bool change(INTERNAL_FUNCTION_PARAMETERS, int sign) {
  zend_string* key;
  zend_string* column_name;
  zval* by = nullptr;
  ZEND_PARSE_PARAMETERS_START(2, 3)
    Z_PARAM_STR(key)
    Z_PARAM_STR(column_name)
    Z_PARAM_OPTIONAL
    Z_PARAM_NUMBER(by)
  ZEND_PARSE_PARAMETERS_END_EX(return false);
  TableObject* object = this_table(ZEND_THIS);
  Table& table = *object->table;
  if (!check_key(table, key)) return false;
  int column = column_or_throw(table, ZSTR_VAL(column_name), ZSTR_LEN(column_name));
  if (column < 0) return false;
  const ColumnInfo& info = table.column(column);
  if (info.type == ColumnType::String) {
    zend_throw_exception_ex(g_invalid_argument_ce, 0,
                            "Column [%s] of table [%s] is a string column; %s() works on int and float columns.",
                            info.name, table.name(), sign > 0 ? "incr" : "decr");
    return false;
  }
  Value delta;
  if (info.type == ColumnType::Int) {
    delta.i = 1;
    if (by && Z_TYPE_P(by) == IS_LONG) delta.i = Z_LVAL_P(by);
    else if (by && !whole_number(table, info, Z_DVAL_P(by), delta.i, object->swoole)) return false;
    if (sign < 0) delta.i = static_cast<int64_t>(0 - static_cast<uint64_t>(delta.i));
  } else {
    delta.f = !by ? 1.0 : Z_TYPE_P(by) == IS_LONG ? static_cast<double>(Z_LVAL_P(by)) : Z_DVAL_P(by);
    if (sign < 0) delta.f = -delta.f;
  }
  Value result;
  if (table.add(ZSTR_VAL(key), ZSTR_LEN(key), static_cast<uint32_t>(column), delta, result) == tables::Status::Full) {
    throw_full(table, key);
    return false;
  }
  if (info.type == ColumnType::Int) RETVAL_LONG(result.i);
  else RETVAL_DOUBLE(result.f);
  return true;
}

}  // namespace

// ---- Ephpm\Octane\Table ----

PHP_METHOD(Ephpm_Octane_Table, __construct) {
  zend_throw_error(nullptr,
                   "Tables are made by ephpm from their definitions; get one with \\Ephpm\\Octane\\table('name')");
}

PHP_METHOD(Ephpm_Octane_Table, get) {
  zend_string* key;
  zend_string* field = nullptr;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_STR(key)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR_OR_NULL(field)
  ZEND_PARSE_PARAMETERS_END();
  TableObject* object = this_table(ZEND_THIS);
  const Table& table = *object->table;
  if (!check_key(table, key)) RETURN_THROWS();
  int column = -1;
  if (field && ZSTR_LEN(field) > 0 && (column = column_or_throw(table, ZSTR_VAL(field), ZSTR_LEN(field))) < 0)
    RETURN_THROWS();
  char* values = row_buffer();
  if (!table.get(ZSTR_VAL(key), ZSTR_LEN(key), values, column)) RETURN_FALSE;
  if (column >= 0) column_to_zval(table.column(column), values, return_value);
  else row_to_array(object, values, return_value);
}

PHP_METHOD(Ephpm_Octane_Table, set) {
  zend_string* key;
  HashTable* row;
  ZEND_PARSE_PARAMETERS_START(2, 2)
    Z_PARAM_STR(key)
    Z_PARAM_ARRAY_HT(row)
  ZEND_PARSE_PARAMETERS_END();
  const TableObject* object = this_table(ZEND_THIS);
  Table& table = *object->table;
  if (!check_key(table, key)) RETURN_THROWS();
  Value values[tables::kMaxColumns];
  Temporaries temporaries;
  if (!to_values(table, row, values, temporaries, object->swoole)) RETURN_THROWS();
  if (table.set(ZSTR_VAL(key), ZSTR_LEN(key), values) == tables::Status::Full) {
    throw_full(table, key);
    RETURN_THROWS();
  }
  RETURN_TRUE;
}

PHP_METHOD(Ephpm_Octane_Table, incr) {
  if (!change(INTERNAL_FUNCTION_PARAM_PASSTHRU, 1)) RETURN_THROWS();
}

PHP_METHOD(Ephpm_Octane_Table, decr) {
  if (!change(INTERNAL_FUNCTION_PARAM_PASSTHRU, -1)) RETURN_THROWS();
}

PHP_METHOD(Ephpm_Octane_Table, exists) {
  zend_string* key;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STR(key)
  ZEND_PARSE_PARAMETERS_END();
  const Table& table = *this_table(ZEND_THIS)->table;
  if (!check_key(table, key)) RETURN_THROWS();
  RETURN_BOOL(table.exists(ZSTR_VAL(key), ZSTR_LEN(key)));
}

PHP_METHOD(Ephpm_Octane_Table, del) {
  zend_string* key;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STR(key)
  ZEND_PARSE_PARAMETERS_END();
  Table& table = *this_table(ZEND_THIS)->table;
  if (!check_key(table, key)) RETURN_THROWS();
  RETURN_BOOL(table.del(ZSTR_VAL(key), ZSTR_LEN(key)));
}

PHP_METHOD(Ephpm_Octane_Table, count) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(static_cast<zend_long>(this_table(ZEND_THIS)->table->count()));
}

PHP_METHOD(Ephpm_Octane_Table, getSize) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(this_table(ZEND_THIS)->table->capacity());
}

PHP_METHOD(Ephpm_Octane_Table, getMemorySize) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_LONG(static_cast<zend_long>(this_table(ZEND_THIS)->table->memory_bytes()));
}

PHP_METHOD(Ephpm_Octane_Table, rewind) {
  ZEND_PARSE_PARAMETERS_NONE();
  TableObject* object = this_table(ZEND_THIS);
  object->cursor = 0;
  load_next(object);
}

PHP_METHOD(Ephpm_Octane_Table, next) {
  ZEND_PARSE_PARAMETERS_NONE();
  load_next(this_table(ZEND_THIS));
}

PHP_METHOD(Ephpm_Octane_Table, valid) {
  ZEND_PARSE_PARAMETERS_NONE();
  RETURN_BOOL(this_table(ZEND_THIS)->has_current);
}

PHP_METHOD(Ephpm_Octane_Table, key) {
  ZEND_PARSE_PARAMETERS_NONE();
  TableObject* object = this_table(ZEND_THIS);
  if (!object->has_current) RETURN_NULL();
  RETURN_STR_COPY(object->current_key);
}

PHP_METHOD(Ephpm_Octane_Table, current) {
  ZEND_PARSE_PARAMETERS_NONE();
  TableObject* object = this_table(ZEND_THIS);
  if (!object->has_current) RETURN_NULL();
  row_to_array(object, object->current_values, return_value);
}

// Cluster mode: a view of this table whose reads and writes go to Redis (native/cluster/strong_php.cc).
PHP_METHOD(Ephpm_Octane_Table, strong) { strong_view(INTERNAL_FUNCTION_PARAM_PASSTHRU); }

// ---- functions ----

PHP_FUNCTION(Ephpm_Octane_table) {
  zend_string* name;
  bool swoole = false;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_STR(name)
    Z_PARAM_OPTIONAL
    Z_PARAM_BOOL(swoole)
  ZEND_PARSE_PARAMETERS_END();
  tables::Segment* segment = tables::attached();
  if (!segment) {
    zend_throw_exception_ex(g_table_exception_ce, 0,
                            "No table [%s]: this server defines no tables. Define them in [tables] of ephpm.toml "
                            "(\"%s:1000\" = { name = \"string:64\" }) or in EPHPM_TABLES.",
                            ZSTR_VAL(name), ZSTR_VAL(name));
    RETURN_THROWS();
  }
  auto& list = segment->tables();
  for (size_t i = 0; i < list.size(); i++) {
    if (strlen(list[i].name()) == ZSTR_LEN(name) && memcmp(list[i].name(), ZSTR_VAL(name), ZSTR_LEN(name)) == 0) {
      new_table_object(return_value, i, swoole);
      return;
    }
  }
  std::string names;
  for (size_t i = 0; i < list.size(); i++) names += (i ? ", " : "") + std::string(list[i].name());
  zend_throw_exception_ex(g_table_exception_ce, 0, "No table [%s]; the tables this server defines: %s.", ZSTR_VAL(name),
                          names.c_str());
}

PHP_FUNCTION(Ephpm_Octane_tables) {
  ZEND_PARSE_PARAMETERS_NONE();
  array_init(return_value);
  tables::Segment* segment = tables::attached();
  if (!segment) return;
  for (size_t i = 0; i < segment->tables().size(); i++) {
    zval table;
    new_table_object(&table, i, false);
    add_assoc_zval(return_value, segment->tables()[i].name(), &table);
  }
}

zend_result table_module_startup(int type, int module_number) {
  g_table_ce = register_class_Ephpm_Octane_Table(zend_ce_iterator, zend_ce_countable);
  init_table_objects(g_table_ce);

  g_table_exception_ce = register_class_Ephpm_Octane_TableException(spl_ce_RuntimeException);
  g_invalid_argument_ce = register_class_Ephpm_Octane_InvalidTableArgument(spl_ce_InvalidArgumentException);
  g_value_too_large_ce = register_class_Ephpm_Octane_ValueTooLargeForColumnException(g_invalid_argument_ce);

  zend_register_functions(nullptr, ext_functions, nullptr, type);
  cluster_module_startup(type, g_table_ce);
  const char* hooks = getenv("EPHPM_TABLE_TEST_HOOKS");
  if (hooks && strcmp(hooks, "1") == 0) register_table_test_hooks(type);
  return SUCCESS;
}

}  // namespace ephpm
