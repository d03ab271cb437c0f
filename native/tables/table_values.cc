#include "tables/table_values.h"

#include <cmath>

extern "C" {
#include <Zend/zend_exceptions.h>
#include <Zend/zend_interfaces.h>
}

namespace ephpm {

using tables::ColumnInfo;
using tables::ColumnType;
using tables::Table;
using tables::Value;

zend_class_entry* g_table_exception_ce;
zend_class_entry* g_invalid_argument_ce;
zend_class_entry* g_value_too_large_ce;

namespace {

std::string preview(const char* text, size_t len) {
  return len > 20 ? std::string(text, 20) + "..." : std::string(text, len);
}

std::string column_list(const Table& table) {
  std::string list;
  for (uint32_t c = 0; c < table.column_count(); c++) list += (c ? ", " : "") + std::string(table.column(c).name);
  return list;
}

bool wrong_type(const Table& table, const ColumnInfo& column, zval* value) {
  const char* kind = column.type == ColumnType::Int     ? "an int"
                     : column.type == ColumnType::Float ? "a float"
                                                        : "a string";
  zend_type_error("Column [%s] of table [%s] takes %s, %s given", column.name, table.name(), kind,
                  zend_zval_type_name(value));
  return false;
}

}  // namespace

// ---- errors ----

bool check_key(const Table& table, zend_string* key) {
  if (ZSTR_LEN(key) == 0) {
    zend_throw_exception_ex(g_invalid_argument_ce, 0, "Table [%s]: a key must not be empty.", table.name());
    return false;
  }
  if (ZSTR_LEN(key) > tables::kMaxKeyBytes) {
    zend_throw_exception_ex(g_invalid_argument_ce, 0, "Key [%s] is %zu bytes; table [%s] keys hold at most %zu bytes.",
                            preview(ZSTR_VAL(key), ZSTR_LEN(key)).c_str(), ZSTR_LEN(key), table.name(),
                            tables::kMaxKeyBytes);
    return false;
  }
  return true;
}

int column_or_throw(const Table& table, const char* name, size_t len) {
  int column = table.find_column(name, len);
  if (column < 0) {
    zend_throw_exception_ex(g_invalid_argument_ce, 0, "Table [%s] has no column [%s]; its columns: %s.", table.name(),
                            std::string(name, len).c_str(), column_list(table).c_str());
  }
  return column;
}

void throw_full(const Table& table, zend_string* key) {
  zend_throw_exception_ex(g_table_exception_ce, 0,
                          "Table [%s] is full: it holds %u rows, so key [%s] was not added. Give it more rows in its "
                          "definition, e.g. \"%s:%u\".",
                          table.name(), table.capacity(), preview(ZSTR_VAL(key), ZSTR_LEN(key)).c_str(), table.name(),
                          table.capacity() * 2);
}

// Octane's own exception when Octane is installed, so `catch` blocks written
// for Swoole keep working; ephpm's equivalent otherwise.
static void throw_value_too_large(const Table& table, const ColumnInfo& column, const char* value, size_t len) {
  zend_string* octane = zend_string_init(ZEND_STRL("Laravel\\Octane\\Exceptions\\ValueTooLargeForColumnException"), 0);
  zend_class_entry* ce = zend_lookup_class(octane);
  zend_string_release(octane);
  if (EG(exception)) return;  // the autoloader failed; that error goes up
  if (!ce || !instanceof_function(ce, zend_ce_throwable) ||
      (ce->ce_flags & (ZEND_ACC_INTERFACE | ZEND_ACC_EXPLICIT_ABSTRACT_CLASS))) {
    ce = g_value_too_large_ce;
  }
  // Octane's own sentence first (its tests and apps match on it), then the sizes.
  zend_throw_exception_ex(
      ce, 0, "Value [%s...] is too large for [%s] column. It is %zu bytes; column [%s] of table [%s] holds at most %u.",
      std::string(value, len < 20 ? len : 20).c_str(), column.name, len, column.name, table.name(), column.size);
}

// ---- values in ----

bool whole_number(const Table& table, const ColumnInfo& column, double number, int64_t& out, bool truncate) {
  if (truncate) {  // as Swoole (and PHP's (int) cast) turn a float into an int
    out = zend_dval_to_lval(number);
    return true;
  }
  if (std::isfinite(number) && number == std::trunc(number) && number >= -9223372036854775808.0 &&
      number < 9223372036854775808.0) {
    out = static_cast<int64_t>(number);
    return true;
  }
  zend_throw_exception_ex(g_invalid_argument_ce, 0,
                          "Column [%s] of table [%s] holds integers; %.17g is not a whole number.", column.name,
                          table.name(), number);
  return false;
}

static bool to_number(const Table& table, const ColumnInfo& column, zval* value, Value& out, bool swoole) {
  bool is_int = column.type == ColumnType::Int;
  zend_long long_value;
  double double_value;
  switch (Z_TYPE_P(value)) {
    case IS_NULL:
    case IS_FALSE:
      long_value = 0;
      break;
    case IS_TRUE:
      long_value = 1;
      break;
    case IS_LONG:
      long_value = Z_LVAL_P(value);
      break;
    case IS_DOUBLE:
      if (!is_int) return out.f = Z_DVAL_P(value), true;
      return whole_number(table, column, Z_DVAL_P(value), out.i, swoole);
    case IS_STRING: {
      zend_uchar kind = is_numeric_string(Z_STRVAL_P(value), Z_STRLEN_P(value), &long_value, &double_value, false);
      if (kind == IS_DOUBLE) {
        if (!is_int) return out.f = double_value, true;
        return whole_number(table, column, double_value, out.i, swoole);
      }
      if (kind != IS_LONG) return wrong_type(table, column, value);
      break;
    }
    default:
      return wrong_type(table, column, value);
  }
  if (is_int) out.i = long_value;
  else out.f = static_cast<double>(long_value);
  return true;
}

bool to_value(const Table& table, const ColumnInfo& column, zval* value, Value& out, Temporaries& temporaries,
              bool swoole) {
  ZVAL_DEREF(value);
  out.present = true;
  if (column.type != ColumnType::String) return to_number(table, column, value, out, swoole);
  zend_string* text;
  if (Z_TYPE_P(value) == IS_STRING) {
    text = Z_STR_P(value);
  } else if (Z_TYPE_P(value) == IS_ARRAY || Z_TYPE_P(value) == IS_RESOURCE) {
    return wrong_type(table, column, value);
  } else {
    text = zval_try_get_string(value);  // an object's __toString() may throw
    if (!text) return false;
    temporaries.strings[temporaries.count++] = text;
  }
  if (ZSTR_LEN(text) > column.size) {
    throw_value_too_large(table, column, ZSTR_VAL(text), ZSTR_LEN(text));
    return false;
  }
  out.s = ZSTR_VAL(text);
  out.len = ZSTR_LEN(text);
  return true;
}

bool to_values(const Table& table, HashTable* row, Value* values, Temporaries& temporaries, bool swoole) {
  zend_string* name;
  zend_ulong index;
  zval* value;
  ZEND_HASH_FOREACH_KEY_VAL(row, index, name, value) {
    std::string number = name ? std::string() : std::to_string(index);
    const char* text = name ? ZSTR_VAL(name) : number.data();
    size_t len = name ? ZSTR_LEN(name) : number.size();
    // Swoole\Table::set() skips columns the table does not declare (Octane's tests assert it).
    if (swoole && table.find_column(text, len) < 0) continue;
    int column = column_or_throw(table, text, len);
    if (column < 0 || !to_value(table, table.column(column), value, values[column], temporaries, swoole)) return false;
  }
  ZEND_HASH_FOREACH_END();
  return true;
}

}  // namespace ephpm
