// PHP face of cluster mode: Ephpm\Octane\Table::strong(), which hands the table to the PHP class that talks to
// Redis (Ephpm\Octane\Cluster\StrongTable in composer-package/), and the functions that class uses so that a
// strong write is checked and converted exactly as a local one is (table_values.cc). Runs on the PHP thread only.
#include "cluster/strong_php.h"

#include <cstdio>
#include <string>

#include "cluster/outbox.h"
#include "tables/table_object.h"
#include "tables/table_values.h"

namespace ephpm {

#include "cluster/cluster_arginfo.h"  // generated from cluster.stub.php by scripts/generate-arginfo.sh

namespace {

using tables::ColumnInfo;
using tables::ColumnType;
using tables::Table;
using tables::Value;

zend_class_entry* g_table_class;

const char* type_name(ColumnType type) {
  return type == ColumnType::Int ? "int" : type == ColumnType::Float ? "float" : "string";
}

// A number as Redis keeps it: ints in decimal, floats with 17 significant digits (they read back as the same double).
std::string number_text(const ColumnInfo& column, const Value& value) {
  char text[32];
  if (column.type == ColumnType::Int) snprintf(text, sizeof text, "%lld", static_cast<long long>(value.i));
  else snprintf(text, sizeof text, "%.17g", value.f);
  return text;
}

Table* table_of(zval* object) { return this_table(object)->table; }

}  // namespace

void strong_view(INTERNAL_FUNCTION_PARAMETERS) {
  ZEND_PARSE_PARAMETERS_NONE();
  const Table& table = *table_of(ZEND_THIS);
  cluster::Outbox* outbox = cluster::outbox();
  if (!outbox || cluster::link().redis.empty()) {
    zend_throw_exception_ex(
        g_table_exception_ce, 0,
        "Table [%s]: strong() reads and writes the cluster's copy in Redis, and this server runs without cluster mode. "
        "Add [cluster] redis = \"redis://127.0.0.1:6379\" to ephpm.toml (or set EPHPM_CLUSTER_REDIS).",
        table.name());
    RETURN_THROWS();
  }
  if (!outbox->replicated(static_cast<uint32_t>(&table - tables::attached()->tables().data()))) {
    zend_throw_exception_ex(g_table_exception_ce, 0,
                            "Table [%s] is not replicated ([cluster] tables leaves it out), so it has no cluster copy "
                            "for strong(). Add it to [cluster] tables.",
                            table.name());
    RETURN_THROWS();
  }
  zend_string* class_name = zend_string_init(ZEND_STRL("Ephpm\\Octane\\Cluster\\StrongTable"), 0);
  zend_class_entry* ce = zend_lookup_class(class_name);
  zend_string_release(class_name);
  if (EG(exception)) RETURN_THROWS();
  if (!ce) {
    zend_throw_error(
        nullptr,
        "strong() is written in PHP, in the ephpm/octane-driver package: load its classes first "
        "(a Laravel app with the driver has them; a plain worker script requires the package's vendor/autoload.php).");
    RETURN_THROWS();
  }
  object_init_ex(return_value, ce);
  zval params[4];
  ZVAL_OBJ_COPY(&params[0], Z_OBJ_P(ZEND_THIS));
  ZVAL_STRING(&params[1], table.name());
  ZVAL_STRINGL(&params[2], cluster::link().redis.data(), cluster::link().redis.size());
  ZVAL_STRINGL(&params[3], cluster::link().node.data(), cluster::link().node.size());
  zend_call_known_instance_method(ce->constructor, Z_OBJ_P(return_value), nullptr, 4, params);
  for (zval& param : params) zval_ptr_dtor(&param);
  if (EG(exception)) {
    zval_ptr_dtor(return_value);
    ZVAL_NULL(return_value);
  }
}

// Ephpm\Octane\Cluster\columns(Table $table): ['name' => 'string', 'votes' => 'int', ...]
PHP_FUNCTION(Ephpm_Octane_Cluster_columns) {
  zval* object;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_OBJECT_OF_CLASS(object, g_table_class)
  ZEND_PARSE_PARAMETERS_END();
  const Table& table = *table_of(object);
  array_init_size(return_value, table.column_count());
  for (uint32_t c = 0; c < table.column_count(); c++)
    add_assoc_string(return_value, table.column(c).name, type_name(table.column(c).type));
}

// Ephpm\Octane\Cluster\encode_row(Table $table, array $row): ['column' => 'text', ...], checked as set() checks it.
PHP_FUNCTION(Ephpm_Octane_Cluster_encode_row) {
  zval* object;
  HashTable* row;
  ZEND_PARSE_PARAMETERS_START(2, 2)
    Z_PARAM_OBJECT_OF_CLASS(object, g_table_class)
    Z_PARAM_ARRAY_HT(row)
  ZEND_PARSE_PARAMETERS_END();
  const Table& table = *table_of(object);
  Value values[tables::kMaxColumns];
  Temporaries temporaries;
  if (!to_values(table, row, values, temporaries, this_table(object)->swoole)) RETURN_THROWS();
  array_init(return_value);
  for (uint32_t c = 0; c < table.column_count(); c++) {
    const ColumnInfo& column = table.column(c);
    if (!values[c].present) continue;
    if (column.type == ColumnType::String) add_assoc_stringl(return_value, column.name, values[c].s, values[c].len);
    else add_assoc_string(return_value, column.name, number_text(column, values[c]).c_str());
  }
}

// Ephpm\Octane\Cluster\encode_step(Table $table, string $column, int|float $by): [type, 'text'], checked as incr()
// checks it.
PHP_FUNCTION(Ephpm_Octane_Cluster_encode_step) {
  zval* object;
  zend_string* column_name;
  zval* by;
  ZEND_PARSE_PARAMETERS_START(3, 3)
    Z_PARAM_OBJECT_OF_CLASS(object, g_table_class)
    Z_PARAM_STR(column_name)
    Z_PARAM_NUMBER(by)
  ZEND_PARSE_PARAMETERS_END();
  const Table& table = *table_of(object);
  int column = column_or_throw(table, ZSTR_VAL(column_name), ZSTR_LEN(column_name));
  if (column < 0) RETURN_THROWS();
  const ColumnInfo& info = table.column(column);
  if (info.type == ColumnType::String) {
    zend_throw_exception_ex(
        g_invalid_argument_ce, 0,
        "Column [%s] of table [%s] is a string column; incr() and decr() work on int and float columns.", info.name,
        table.name());
    RETURN_THROWS();
  }
  Value step;
  if (info.type == ColumnType::Float)
    step.f = Z_TYPE_P(by) == IS_LONG ? static_cast<double>(Z_LVAL_P(by)) : Z_DVAL_P(by);
  else if (Z_TYPE_P(by) == IS_LONG) step.i = Z_LVAL_P(by);
  else if (!whole_number(table, info, Z_DVAL_P(by), step.i, this_table(object)->swoole)) RETURN_THROWS();
  array_init(return_value);
  add_next_index_string(return_value, type_name(info.type));
  add_next_index_string(return_value, number_text(info, step).c_str());
}

zend_result cluster_module_startup(int type, zend_class_entry* table_class) {
  g_table_class = table_class;
  return zend_register_functions(nullptr, ext_functions, nullptr, type);
}

}  // namespace ephpm
