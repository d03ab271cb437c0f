// Node-API face of cluster mode: the supervisor makes the outbox, drains it and applies remote rows to the
// tables; a worker attaches it before PHP starts. Everything about Redis is in TypeScript (src/runtime/cluster/).
#include <cstdlib>
#include <cstring>

#include "cluster/outbox.h"
#include "node/napi_faces.h"

namespace ephpm {
namespace {

using cluster::Outbox;
using tables::ColumnType;
using tables::Status;
using tables::Table;

Napi::Value fail(Napi::Env env, const std::string& message) {
  Napi::Error::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// clusterCreate(name, replicated: boolean[], capacityBytes): the supervisor's outbox (tables attached first).
Napi::Value Create(const Napi::CallbackInfo& info) {
  Napi::Array flags = info[1].As<Napi::Array>();
  std::vector<bool> replicated;
  for (uint32_t i = 0; i < flags.Length(); i++) replicated.push_back(flags.Get(i).ToBoolean().Value());
  std::string error;
  auto outbox = Outbox::create(info[0].As<Napi::String>().Utf8Value(), replicated,
                               static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue()), error);
  if (!outbox) return fail(info.Env(), error);
  cluster::install(std::move(outbox), cluster::Role::Applier);
  return info.Env().Undefined();
}

// clusterAttach(name, redisUrl, node): a worker, before its PHP thread starts.
Napi::Value Attach(const Napi::CallbackInfo& info) {
  std::string error;
  auto outbox = Outbox::open(info[0].As<Napi::String>().Utf8Value(), error);
  if (!outbox) return fail(info.Env(), error);
  cluster::link() = {info[1].As<Napi::String>().Utf8Value(), info[2].As<Napi::String>().Utf8Value()};
  cluster::install(std::move(outbox), cluster::Role::Writer);
  return info.Env().Undefined();
}

Napi::Value Remove(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Outbox::remove(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Value Sweep(const Napi::CallbackInfo& info) {
  auto removed = Outbox::sweep(info[0].As<Napi::String>().Utf8Value());
  Napi::Array result = Napi::Array::New(info.Env(), removed.size());
  for (uint32_t i = 0; i < removed.size(); i++) result.Set(i, removed[i]);
  return result;
}

// clusterDrain(maxBytes) -> Buffer of whole records (outbox-records.ts reads them)
Napi::Value Drain(const Napi::CallbackInfo& info) {
  std::vector<char> bytes;
  cluster::outbox()->drain(static_cast<size_t>(info[0].As<Napi::Number>().DoubleValue()), bytes);
  return Napi::Buffer<char>::Copy(info.Env(), bytes.data(), bytes.size());
}

// clusterCounts() -> { appended, dropped, pending, capacity }
Napi::Value Counts(const Napi::CallbackInfo& info) {
  cluster::OutboxCounts counts = cluster::outbox()->counts();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("appended", static_cast<double>(counts.appended));
  result.Set("dropped", static_cast<double>(counts.dropped));
  result.Set("pending", static_cast<double>(counts.pending));
  result.Set("capacity", static_cast<double>(counts.capacity));
  return result;
}

enum Applied { kApplied = 0, kRefused = 1, kFull = 2, kInvalid = 3 };

// clusterApply(table, key, values: Buffer[] | null, stamp: hex string) -> Applied
// A remote row as Redis holds it, every column (text, as Redis keeps it; '' = never set), or null: deleted.
Napi::Value Apply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Table& table = tables::attached()->tables()[info[0].As<Napi::Number>().Uint32Value()];
  Napi::Buffer<char> key = info[1].As<Napi::Buffer<char>>();
  cluster::outbox()->observe(std::strtoull(info[3].As<Napi::String>().Utf8Value().c_str(), nullptr, 16));
  auto result = [&](Status status) {
    return Napi::Number::New(env, status == Status::Ok || status == Status::Missing ? kApplied
                                  : status == Status::Refused                       ? kRefused
                                                                                    : kFull);
  };
  if (info[2].IsNull()) return result(table.erase(key.Data(), key.Length()));
  Napi::Array list = info[2].As<Napi::Array>();
  if (list.Length() != table.column_count()) return Napi::Number::New(env, kInvalid);
  tables::Value values[tables::kMaxColumns];
  std::vector<std::string> texts(table.column_count());
  for (uint32_t c = 0; c < table.column_count(); c++) {
    Napi::Buffer<char> cell = list.Get(c).As<Napi::Buffer<char>>();
    const tables::ColumnInfo& column = table.column(c);
    tables::Value& value = values[c];
    value.present = true;
    texts[c].assign(cell.Data(), cell.Length());  // NUL-terminated for strtoll / strtod
    if (column.type == ColumnType::Int) {
      value.i = std::strtoll(texts[c].c_str(), nullptr, 10);
    } else if (column.type == ColumnType::Float) {
      value.f = std::strtod(texts[c].c_str(), nullptr);
    } else {
      if (cell.Length() > column.size) return Napi::Number::New(env, kInvalid);
      value.s = texts[c].data();
      value.len = texts[c].size();
    }
  }
  return result(table.set(key.Data(), key.Length(), values));
}

// clusterKeys(table) -> Buffer[]: the keys the local table holds (a resync deletes those Redis does not have).
Napi::Value Keys(const Napi::CallbackInfo& info) {
  Table& table = tables::attached()->tables()[info[0].As<Napi::Number>().Uint32Value()];
  std::vector<char> values(table.values_size());
  Napi::Array keys = Napi::Array::New(info.Env());
  uint32_t cursor = 0;
  std::string key;
  for (uint32_t n = 0; table.next(cursor, key, values.data()); n++)
    keys.Set(n, Napi::Buffer<char>::Copy(info.Env(), key.data(), key.size()));
  return keys;
}

}  // namespace

void register_cluster_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("clusterCreate", Napi::Function::New(env, Create));
  exports.Set("clusterAttach", Napi::Function::New(env, Attach));
  exports.Set("clusterRemove", Napi::Function::New(env, Remove));
  exports.Set("clusterSweep", Napi::Function::New(env, Sweep));
  exports.Set("clusterDrain", Napi::Function::New(env, Drain));
  exports.Set("clusterCounts", Napi::Function::New(env, Counts));
  exports.Set("clusterApply", Napi::Function::New(env, Apply));
  exports.Set("clusterKeys", Napi::Function::New(env, Keys));
}

}  // namespace ephpm
