#include "node/napi_faces.h"

#include "tasks/task_inbox.h"

namespace ephpm {
namespace {

// Never released: the PHP thread may still answer while Node tears down
// (calls then fail with napi_closing and the result is dropped).
Napi::ThreadSafeFunction g_results;
bool g_results_started = false;

void deliver(Napi::Env env, Napi::Function on_result, TaskResult* result) {
  if (env != nullptr && on_result != nullptr) {
    on_result.Call({
        Napi::Number::New(env, result->key),
        Napi::Number::New(env, static_cast<int>(result->type)),
        Napi::Buffer<char>::Copy(env, result->data.data(), result->data.size()),
    });
  }
  delete result;
}

// taskResults(onResult(key, frameType, data))
Napi::Value TaskResults(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_results_started) {
    Napi::Error::New(env, "task results are already being delivered").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  g_results_started = true;
  g_results = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "ephpm-task-results", 0, 1);
  g_results.Unref(env);
  set_task_result_sink([](TaskResult* result) {
    if (g_results.NonBlockingCall(result, deliver) != napi_ok) delete result;
  });
  return env.Undefined();
}

// pushTask(key, payload): the PHP thread's take_task() returns it.
Napi::Value PushTask(const Napi::CallbackInfo& info) {
  QueuedTask task;
  task.key = info[0].As<Napi::Number>().Uint32Value();
  auto payload = info[1].As<Napi::Buffer<char>>();
  task.payload.assign(payload.Data(), payload.Length());
  task_inbox().push(std::move(task));
  return info.Env().Undefined();
}

// tick(timeSeconds)
Napi::Value TickNow(const Napi::CallbackInfo& info) {
  task_inbox().tick(info[0].As<Napi::Number>().DoubleValue());
  return info.Env().Undefined();
}

Napi::Value TickCounts(const Napi::CallbackInfo& info) {
  Napi::Object counts = Napi::Object::New(info.Env());
  counts.Set("taken", static_cast<double>(task_inbox().ticks_taken()));
  counts.Set("missed", static_cast<double>(task_inbox().ticks_missed()));
  return counts;
}

// stopTasks(): take_task() and take_tick() return null from now on.
Napi::Value StopTasks(const Napi::CallbackInfo& info) {
  task_inbox().stop();
  return info.Env().Undefined();
}

void cleanup(void*) { task_inbox().stop(); }

}  // namespace

void register_task_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("taskResults", Napi::Function::New(env, TaskResults));
  exports.Set("pushTask", Napi::Function::New(env, PushTask));
  exports.Set("tick", Napi::Function::New(env, TickNow));
  exports.Set("tickCounts", Napi::Function::New(env, TickCounts));
  exports.Set("stopTasks", Napi::Function::New(env, StopTasks));
  // Runs before php_napi.cc's hook (hooks run in reverse), which joins the PHP thread.
  napi_add_env_cleanup_hook(env, cleanup, nullptr);
}

}  // namespace ephpm
