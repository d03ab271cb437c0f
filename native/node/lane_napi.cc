// Node-API functions of the native lane (http/lane.h): Node lends it connections, takes back what it returns, counts
// what it answered and answers in PHP's place. Present whether the lane is on or not; each is a no-op when it is off.
#include <napi.h>

#include "node/napi_faces.h"

namespace ephpm {
namespace {

Lane* g_lane = nullptr;  // set once, before PHP takes its first request

Napi::Array socket_ids(Napi::Env env, const std::vector<int64_t>& ids) {
  Napi::Array result = Napi::Array::New(env, ids.size());
  for (uint32_t i = 0; i < ids.size(); i++) result.Set(i, Napi::Number::New(env, static_cast<double>(ids[i])));
  return result;
}

uint64_t request_id(const Napi::Value& value) { return static_cast<uint64_t>(value.As<Napi::Number>().Int64Value()); }

// lend(socketId, remoteAddr, remotePort, serverAddr, serverPort, keepAliveSeconds): false when the lane takes none.
Napi::Value Lend(const Napi::CallbackInfo& info) {
  LentConnection connection;
  connection.socket_id = info[0].As<Napi::Number>().Int64Value();
  connection.socket = g_lane ? find_socket(connection.socket_id) : nullptr;
  if (!connection.socket) return Napi::Boolean::New(info.Env(), false);
  connection.remote_addr = info[1].As<Napi::String>().Utf8Value();
  connection.remote_port = info[2].As<Napi::Number>().Int32Value();
  connection.server_addr = info[3].As<Napi::String>().Utf8Value();
  connection.server_port = info[4].As<Napi::Number>().Int32Value();
  connection.keep_alive_seconds = info[5].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(info.Env(), g_lane->lend(std::move(connection)));
}

// laneReclaim(): closes lending; the socket ids of the idle lent connections, now Node's again.
Napi::Value LaneReclaim(const Napi::CallbackInfo& info) {
  return socket_ids(info.Env(), g_lane ? g_lane->reclaim() : std::vector<int64_t>());
}

Napi::Value LaneReopen(const Napi::CallbackInfo& info) {
  if (g_lane) g_lane->reopen();
  return info.Env().Undefined();
}

// laneExpired(): the socket ids of lent connections idle past their keep-alive timeout, for Node to close.
Napi::Value LaneExpired(const Napi::CallbackInfo& info) {
  return socket_ids(info.Env(), g_lane ? g_lane->expired() : std::vector<int64_t>());
}

// laneAnswered(room): the requests the lane answered since the last call, 7 values each: status, ms, body bytes, and
// for the access log (else empty) uri, user agent, request id, remote address; `room`: how many more the worker may
// serve before them (-1: no limit).
Napi::Value LaneAnswered(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_lane) return Napi::Array::New(env);
  auto answers = g_lane->answered(info[0].As<Napi::Number>().Int64Value());
  Napi::Array flat = Napi::Array::New(env, answers.size() * 7);
  uint32_t at = 0;
  for (const auto& answer : answers) {
    flat.Set(at++, Napi::Number::New(env, answer.status));
    flat.Set(at++, Napi::Number::New(env, answer.ms));
    flat.Set(at++, Napi::Number::New(env, answer.bytes));
    for (const std::string* text : {&answer.uri, &answer.user_agent, &answer.request_id, &answer.remote_addr}) {
      napi_value value;
      napi_create_string_latin1(env, text->data(), text->size(), &value);
      flat.Set(at++, Napi::Value(env, value));
    }
  }
  return flat;
}

// laneNodePaths(paths): the paths whose requests the lane leaves to Node (early hints).
Napi::Value LaneNodePaths(const Napi::CallbackInfo& info) {
  if (!g_lane) return info.Env().Undefined();
  Napi::Array given = info[0].As<Napi::Array>();
  std::vector<std::string> paths;
  for (uint32_t i = 0; i < given.Length(); i++) paths.push_back(given.Get(i).As<Napi::String>().Utf8Value());
  g_lane->set_node_paths(std::move(paths));
  return info.Env().Undefined();
}

// laneRunning(id): whether PHP still runs lane request `id`.
Napi::Value LaneRunning(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), g_lane && g_lane->running(request_id(info[0])));
}

// laneAdopted(id): Node answers lane request `id` from now on: the events PHP sent for it so far, in order, each as
// the event callback's arguments.
Napi::Value LaneAdopted(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array result = Napi::Array::New(env);
  if (!g_lane) return result;
  auto held = g_lane->adopted(request_id(info[0]));
  for (uint32_t i = 0; i < held.size(); i++) {
    auto values = event_values(env, held[i]);
    Napi::Array args = Napi::Array::New(env, values.size());
    for (uint32_t k = 0; k < values.size(); k++) args.Set(k, Napi::Value(env, values[k]));
    result.Set(i, args);
    delete held[i];
  }
  return result;
}

// laneAnswerInstead(id, message): answers lane request `id` 504 with `message` unless PHP began its answer; the
// connection's socket id (it left the lane: Node reads it on), or -1.
Napi::Value LaneAnswerInstead(const Napi::CallbackInfo& info) {
  if (!g_lane) return Napi::Number::New(info.Env(), -1);
  std::string message = info[1].As<Napi::String>().Utf8Value();
  return Napi::Number::New(info.Env(), static_cast<double>(g_lane->answer_instead(request_id(info[0]), message)));
}

}  // namespace

Lane* native_lane() { return g_lane; }
void set_native_lane(Lane* lane) { g_lane = lane; }

void register_lane_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("lend", Napi::Function::New(env, Lend));
  exports.Set("laneReclaim", Napi::Function::New(env, LaneReclaim));
  exports.Set("laneReopen", Napi::Function::New(env, LaneReopen));
  exports.Set("laneExpired", Napi::Function::New(env, LaneExpired));
  exports.Set("laneAnswered", Napi::Function::New(env, LaneAnswered));
  exports.Set("laneNodePaths", Napi::Function::New(env, LaneNodePaths));
  exports.Set("laneRunning", Napi::Function::New(env, LaneRunning));
  exports.Set("laneAdopted", Napi::Function::New(env, LaneAdopted));
  exports.Set("laneAnswerInstead", Napi::Function::New(env, LaneAnswerInstead));
}

}  // namespace ephpm
