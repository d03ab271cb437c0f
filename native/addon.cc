// Node-API surface of the addon. Validation and defaults live in TypeScript
// (src/runtime/php-addon.ts); this file only converts values.
#include <napi.h>

#include "bridge.h"
#include "php_includes.h"
#include "php_runtime.h"

namespace ephpm {
namespace {

constexpr size_t kCopyThreshold = 64 * 1024;

Bridge* g_bridge = new Bridge();  // never freed: see bridge.h
Napi::ThreadSafeFunction g_events;
bool g_started = false;

Napi::Value to_js_data(Napi::Env env, Event* event) {
  std::string& data = event->data;
  if (data.size() < kCopyThreshold) return Napi::Buffer<char>::Copy(env, data.data(), data.size());
  auto* owned = new std::string(std::move(data));
  return Napi::Buffer<char>::New(env, owned->data(), owned->size(),
                                 [](Napi::Env, char*, std::string* hint) { delete hint; }, owned);
}

void deliver(Napi::Env env, Napi::Function on_event, Event* event) {
  if (env != nullptr && on_event != nullptr) {
    Napi::Array headers = Napi::Array::New(env, event->headers.size() * 2);
    uint32_t index = 0;
    for (const auto& header : event->headers) {
      headers.Set(index++, Napi::String::New(env, header.name));
      headers.Set(index++, Napi::String::New(env, header.value));
    }
    on_event.Call({
        Napi::Number::New(env, static_cast<int>(event->kind)),
        Napi::Number::New(env, static_cast<double>(event->id)),
        Napi::Number::New(env, event->status),
        Napi::Boolean::New(env, event->last),
        headers,
        to_js_data(env, event),
    });
  }
  bool stopped = event->kind == EventKind::Stopped;
  delete event;
  if (stopped) g_events.Release();
}

void emit(Event* event) {
  if (g_events.NonBlockingCall(event, deliver) != napi_ok) delete event;
}

std::string string_arg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].IsString() ? info[index].As<Napi::String>().Utf8Value() : std::string();
}

// start({ script, ini, stackSize }, onEvent)
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_started) {
    Napi::Error::New(env, "PHP is already running in this process").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object options = info[0].As<Napi::Object>();
  RuntimeOptions runtime;
  runtime.script = options.Get("script").As<Napi::String>().Utf8Value();
  runtime.ini = options.Get("ini").As<Napi::String>().Utf8Value();
  runtime.stack_size = static_cast<size_t>(options.Get("stackSize").As<Napi::Number>().Int64Value());

  g_events = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ephpm-php-events", 0, 1);
  std::string error = start_php_thread(runtime, g_bridge, emit);
  if (!error.empty()) {
    g_events.Release();
    Napi::Error::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  g_started = true;
  return env.Undefined();
}

// dispatch(id, method, uri, protocol, scheme, remoteAddr, remotePort,
//          serverAddr, serverPort, rawHeaders, body, bodyFile, bodySize, requestTime)
Napi::Value Dispatch(const Napi::CallbackInfo& info) {
  auto request = std::make_unique<Request>();
  request->id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  request->method = string_arg(info, 1);
  request->uri = string_arg(info, 2);
  request->protocol = string_arg(info, 3);
  request->scheme = string_arg(info, 4);
  request->remote_addr = string_arg(info, 5);
  request->remote_port = info[6].As<Napi::Number>().Int32Value();
  request->server_addr = string_arg(info, 7);
  request->server_port = info[8].As<Napi::Number>().Int32Value();
  request->raw_headers = string_arg(info, 9);
  if (info[10].IsBuffer()) {
    auto body = info[10].As<Napi::Buffer<char>>();
    request->body.assign(body.Data(), body.Length());
  }
  request->body_file = string_arg(info, 11);
  request->body_size = info[12].As<Napi::Number>().DoubleValue();
  request->request_time = info[13].As<Napi::Number>().DoubleValue();
  g_bridge->push(std::move(request));
  return info.Env().Undefined();
}

// drained(bytes): Node wrote that many streamed bytes to the socket.
Napi::Value Drained(const Napi::CallbackInfo& info) {
  g_bridge->drained(static_cast<size_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

// stop(): take_request() returns null from now on; PHP shuts down and a
// Stopped event follows.
Napi::Value Stop(const Napi::CallbackInfo& info) {
  g_bridge->stop();
  return info.Env().Undefined();
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("phpVersion", PHP_VERSION);
  result.Set("zendApi", ZEND_MODULE_API_NO);
  return result;
}

void cleanup(void*) {
  // Let a PHP thread that is parked in take_request() finish before exit.
  g_bridge->stop();
  join_php_thread();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start));
  exports.Set("dispatch", Napi::Function::New(env, Dispatch));
  exports.Set("drained", Napi::Function::New(env, Drained));
  exports.Set("stop", Napi::Function::New(env, Stop));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  napi_add_env_cleanup_hook(env, cleanup, nullptr);
  return exports;
}

}  // namespace ephpm

static Napi::Object InitEphpm(Napi::Env env, Napi::Object exports) { return ephpm::Init(env, exports); }

NODE_API_MODULE(ephpm, InitEphpm)
