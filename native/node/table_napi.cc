// Node-API face of the shared tables: the supervisor creates and removes the
// segment, a worker attaches it for PHP, the CLI reads it. Validation and
// friendly errors live in TypeScript (src/runtime/tables.ts).
#include "node/napi_faces.h"

#include <cmath>

#include "tables/shared_table.h"

namespace ephpm {
namespace {

using tables::ColumnType;
using tables::Segment;
using tables::Table;

Napi::Value fail(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

const char* type_name(ColumnType type) {
  return type == ColumnType::Int ? "int" : type == ColumnType::Float ? "float" : "string";
}

// tablesCreate(name, [{ name, rows, columns: [{ name, type, size }] }]) -> bytes
Napi::Value Create(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<tables::TableSpec> specs;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Object table = list.Get(i).As<Napi::Object>();
    tables::TableSpec spec;
    spec.name = table.Get("name").As<Napi::String>().Utf8Value();
    spec.rows = table.Get("rows").As<Napi::Number>().Uint32Value();
    Napi::Array columns = table.Get("columns").As<Napi::Array>();
    for (uint32_t c = 0; c < columns.Length(); c++) {
      Napi::Object column = columns.Get(c).As<Napi::Object>();
      std::string type = column.Get("type").As<Napi::String>().Utf8Value();
      spec.columns.push_back({column.Get("name").As<Napi::String>().Utf8Value(),
                              type == "int"     ? ColumnType::Int
                              : type == "float" ? ColumnType::Float
                                                : ColumnType::String,
                              column.Get("size").As<Napi::Number>().Uint32Value()});
    }
    specs.push_back(std::move(spec));
  }
  size_t bytes = 0;
  std::string error = Segment::create(name, specs, bytes);
  if (!error.empty()) return fail(info.Env(), error);
  return Napi::Number::New(info.Env(), static_cast<double>(bytes));
}

Napi::Value Remove(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Segment::remove(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Array strings(Napi::Env env, const std::vector<std::string>& list) {
  Napi::Array array = Napi::Array::New(env, list.size());
  for (uint32_t i = 0; i < list.size(); i++) array.Set(i, list[i]);
  return array;
}

// tablesSweep(prefix) -> { removed: [name], skipped: ["path: why"] }
Napi::Value Sweep(const Napi::CallbackInfo& info) {
  std::vector<std::string> skipped;
  auto removed = Segment::sweep(info[0].As<Napi::String>().Utf8Value(), skipped);
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("removed", strings(info.Env(), removed));
  result.Set("skipped", strings(info.Env(), skipped));
  return result;
}

Napi::Value Attach(const Napi::CallbackInfo& info) {
  std::string error = tables::attach(info[0].As<Napi::String>().Utf8Value());
  if (!error.empty()) return fail(info.Env(), error);
  return info.Env().Undefined();
}

Napi::Object describe(Napi::Env env, Table& table) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("name", table.name());
  result.Set("rows", table.capacity());
  result.Set("used", static_cast<double>(table.count()));
  result.Set("bytes", static_cast<double>(table.memory_bytes()));
  Napi::Array columns = Napi::Array::New(env, table.column_count());
  for (uint32_t c = 0; c < table.column_count(); c++) {
    const tables::ColumnInfo& info = table.column(c);
    Napi::Object column = Napi::Object::New(env);
    column.Set("name", info.name);
    column.Set("type", type_name(info.type));
    column.Set("size", info.size);
    columns.Set(c, column);
  }
  result.Set("columns", columns);
  return result;
}

std::unique_ptr<Segment> open_or_throw(Napi::Env env, const std::string& name, bool& missing) {
  std::string error;
  auto segment = Segment::open(name, error);
  missing = !segment && (error == "missing" || error == "incomplete");
  if (!segment && !missing)
    Napi::Error::New(env, "the tables' shared memory /dev/shm" + name + " cannot be used (" + error + ")")
        .ThrowAsJavaScriptException();
  return segment;
}

// tablesInspect(name) -> { ownerPid, ownerAlive, bytes, tables: [...] } | null
Napi::Value Inspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool missing = false;
  auto segment = open_or_throw(env, info[0].As<Napi::String>().Utf8Value(), missing);
  if (!segment) return missing ? env.Null() : env.Undefined();
  Napi::Object result = Napi::Object::New(env);
  result.Set("ownerPid", segment->owner_pid());
  result.Set("ownerAlive", segment->owner_alive());
  result.Set("bytes", static_cast<double>(segment->bytes()));
  Napi::Array list = Napi::Array::New(env, segment->tables().size());
  for (uint32_t i = 0; i < segment->tables().size(); i++) list.Set(i, describe(env, segment->tables()[i]));
  result.Set("tables", list);
  return result;
}

Napi::Value to_js(Napi::Env env, const Table& table, const char* values, uint32_t c) {
  const tables::ColumnInfo& column = table.column(c);
  if (column.type == ColumnType::Float) return Napi::Number::New(env, Table::read_float(values, column));
  if (column.type == ColumnType::Int) {
    int64_t value = Table::read_int(values, column);
    // Beyond 2^53 a JS number would round: those cross as exact decimal strings.
    if (std::llabs(value) <= (int64_t(1) << 53)) return Napi::Number::New(env, static_cast<double>(value));
    return Napi::String::New(env, std::to_string(value));
  }
  uint32_t len;
  const char* text = Table::read_string(values, column, len);
  return Napi::String::New(env, text, len);
}

Napi::Array row_to_js(Napi::Env env, const Table& table, const std::string& key, const char* values) {
  Napi::Array row = Napi::Array::New(env, table.column_count() + 1);
  row.Set(0u, Napi::String::New(env, key));
  for (uint32_t c = 0; c < table.column_count(); c++) row.Set(c + 1, to_js(env, table, values, c));
  return row;
}

// tableRows(segment, table, limit, key?) -> [[key, value...], ...] | null (no such table)
Napi::Value Rows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool missing = false;
  auto segment = open_or_throw(env, info[0].As<Napi::String>().Utf8Value(), missing);
  if (!segment) return missing ? env.Null() : env.Undefined();
  std::string name = info[1].As<Napi::String>().Utf8Value();
  Table* table = segment->find(name.data(), name.size());
  if (!table) return env.Null();
  double limit = info[2].As<Napi::Number>().DoubleValue();
  std::vector<char> values(table->values_size());
  Napi::Array rows = Napi::Array::New(env);
  if (info[3].IsString()) {
    std::string key = info[3].As<Napi::String>().Utf8Value();
    if (key.size() <= tables::kMaxKeyBytes && table->get(key.data(), key.size(), values.data())) {
      rows.Set(0u, row_to_js(env, *table, key, values.data()));
    }
    return rows;
  }
  uint32_t cursor = 0;
  std::string key;
  for (uint32_t n = 0; n < limit && table->next(cursor, key, values.data()); n++)
    rows.Set(n, row_to_js(env, *table, key, values.data()));
  return rows;
}

}  // namespace

void register_table_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("tablesCreate", Napi::Function::New(env, Create));
  exports.Set("tablesRemove", Napi::Function::New(env, Remove));
  exports.Set("tablesSweep", Napi::Function::New(env, Sweep));
  exports.Set("tablesAttach", Napi::Function::New(env, Attach));
  exports.Set("tablesInspect", Napi::Function::New(env, Inspect));
  exports.Set("tableRows", Napi::Function::New(env, Rows));
}

}  // namespace ephpm
