// Node-API functions of a worker's embedded PHP: start it, hand it requests,
// and the direct-write sockets. Validation and defaults live in TypeScript
// (src/runtime/native/php-face.ts, src/runtime/php/embedded-php.ts); this file only converts values.
#include <dlfcn.h>
#include <napi.h>

#include <map>
#include <mutex>
#include <vector>

#include "http/bridge.h"
#include "http/direct_response.h"
#include "http/direct_socket.h"
#include "http/lane.h"
#include "http/request_id.h"
#include "http/spill_file.h"
#include "php/php_includes.h"
#include "php/embedding.h"
#include "node/napi_faces.h"

namespace ephpm {
namespace {

// Small payloads cross as latin1 strings (one byte per char, exact bytes):
// cheaper than a Buffer to create and collect, and Node writes a string body
// together with the headers in one write.
constexpr size_t kStringThreshold = 16 * 1024;

Bridge* g_bridge = new Bridge();  // never freed: see bridge.h
Napi::ThreadSafeFunction g_events;
bool g_started = false;
// Whether g_events may be called: the run timer's thread calls it at any time, until PHP has stopped.
std::mutex g_events_mutex;
bool g_events_open = false;

void close_events() {
  {
    std::lock_guard<std::mutex> lock(g_events_mutex);
    g_events_open = false;
  }
  g_events.Release();
}

Napi::Value to_js_data(Napi::Env env, Event* event) {
  std::string& data = event->data;
  if (data.size() < kStringThreshold) {
    napi_value text;
    napi_create_string_latin1(env, data.data(), data.size(), &text);
    return Napi::Value(env, text);
  }
  auto* owned = new std::string(std::move(data));
  return Napi::Buffer<char>::New(
      env, owned->data(), owned->size(), [](Napi::Env, char*, std::string* hint) { delete hint; }, owned);
}

void deliver(Napi::Env env, Napi::Function on_event, Event* event) {
  if (env != nullptr && on_event != nullptr) on_event.Call(event_values(env, event));
  bool stopped = event->kind == EventKind::Stopped;
  delete event;
  if (stopped) close_events();
}

void emit_to_node(Event* event) {
  if (g_events.NonBlockingCall(event, deliver) != napi_ok) delete event;
}

void emit(Event* event) {
  if (Lane* lane = native_lane(); lane && lane->route(event)) return;
  if (g_events.NonBlockingCall(event, deliver) != napi_ok) delete event;
}

std::string string_arg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].IsString() ? info[index].As<Napi::String>().Utf8Value() : std::string();
}

// What Node's HTTP parser gives (request line, header names and values) and
// the names and values of form parts are binary strings, one char per byte.
std::string latin1(napi_env env, napi_value value) {
  size_t length = 0;
  napi_get_value_string_latin1(env, value, nullptr, 0, &length);
  std::string text(length, '\0');
  napi_get_value_string_latin1(env, value, text.data(), length + 1, &length);
  return text;
}

// [isFile, name, value, type, path, size, error] per part (see form-body.ts).
std::vector<FormPart> form_parts(const Napi::Value& value) {
  std::vector<FormPart> parts;
  if (!value.IsArray()) return parts;
  Napi::Array flat = value.As<Napi::Array>();
  napi_env env = value.Env();
  uint32_t length = flat.Length();
  parts.reserve(length / 7);
  for (uint32_t i = 0; i + 7 <= length; i += 7) {
    FormPart part;
    part.is_file = flat.Get(i).ToNumber().Int32Value() == 1;
    part.name = latin1(env, flat.Get(i + 1));
    part.value = latin1(env, flat.Get(i + 2));
    part.type = latin1(env, flat.Get(i + 3));
    part.path = flat.Get(i + 4).ToString().Utf8Value();
    part.size = flat.Get(i + 5).ToNumber().Int64Value();
    part.error = flat.Get(i + 6).ToNumber().Int32Value();
    parts.push_back(std::move(part));
  }
  return parts;
}

// start({ script, ini, stackSize, documentRoot, statusTexts, responseMemoryBytes, tempDir, journalPath,
//         echoRequestId }, onEvent)
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
  if (options.Get("documentRoot").IsString())
    runtime.document_root = options.Get("documentRoot").As<Napi::String>().Utf8Value();
  std::map<int, std::string> status_texts;
  if (options.Get("statusTexts").IsObject()) {
    Napi::Object texts = options.Get("statusTexts").As<Napi::Object>();
    Napi::Array codes = texts.GetPropertyNames();
    for (uint32_t i = 0; i < codes.Length(); i++) {
      Napi::Value code = codes.Get(i);
      status_texts[std::atoi(code.ToString().Utf8Value().c_str())] = texts.Get(code).ToString().Utf8Value();
    }
  }
  set_status_texts(std::move(status_texts));
  set_echo_request_id(options.Get("echoRequestId").ToBoolean().Value());
  size_t response_memory = options.Get("responseMemoryBytes").IsNumber()
                               ? static_cast<size_t>(options.Get("responseMemoryBytes").As<Napi::Number>().Int64Value())
                               : 1024 * 1024;
  if (options.Get("journalPath").IsString())
    g_bridge->journal.open(options.Get("journalPath").As<Napi::String>().Utf8Value());
  configure_spill(response_memory,
                  options.Get("tempDir").IsString() ? options.Get("tempDir").As<Napi::String>().Utf8Value() : "");

  g_events = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "ephpm-php-events", 0, 1);
  {
    std::lock_guard<std::mutex> lock(g_events_mutex);
    g_events_open = true;
  }
  if (options.Get("nativeLane").ToBoolean().Value()) {
    // Never freed, as the Bridge: the PHP thread may wait on it at exit.
    auto* lane = new Lane(runtime.document_root, options.Get("echoRequestId").ToBoolean().Value(),
                          options.Get("nativeLaneLog").ToBoolean().Value(),
                          options.Get("nativeLaneCompressFrom").IsNumber()
                              ? options.Get("nativeLaneCompressFrom").As<Napi::Number>().DoubleValue()
                              : -1,
                          options.Get("nativeLaneZstd").ToBoolean().Value());
    lane->set_emit(emit_to_node);
    g_bridge->attach_lane(lane);
    set_native_lane(lane);
  }
  std::string error = start_php_thread(runtime, g_bridge, emit);
  if (!error.empty()) {
    close_events();
    Napi::Error::New(env, error).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  g_started = true;
  return env.Undefined();
}

// dispatch(id, head, remotePort, serverPort, body, bodyFile, bodySize, requestTime, directSocket, keepAliveSeconds,
//          postForm, formParts, connection, compressFrom)
// test/runtime/native-boundary.test.ts gives every argument a distinct value and checks where each lands.
// `head` packs the strings in one: "method\nuri\nprotocol\nscheme\nremoteAddr\n
// serverAddr\nName\nvalue\nName\nvalue..." (one N-API string instead of seven).
Napi::Value Dispatch(const Napi::CallbackInfo& info) {
  auto request = std::make_unique<Request>();
  request->id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  std::string head = latin1(info.Env(), info[1]);
  std::string* fields[] = {&request->method, &request->uri,         &request->protocol,
                           &request->scheme, &request->remote_addr, &request->server_addr};
  size_t position = 0;
  for (std::string* field : fields) {
    size_t end = head.find('\n', position);
    if (end == std::string::npos) end = head.size();
    field->assign(head, position, end - position);
    position = end + 1;
  }
  if (position < head.size()) request->raw_headers.assign(head, position, std::string::npos);
  request->remote_port = info[2].As<Napi::Number>().Int32Value();
  request->server_port = info[3].As<Napi::Number>().Int32Value();
  if (info[4].IsBuffer()) {
    auto body = info[4].As<Napi::Buffer<char>>();
    request->body.assign(body.Data(), body.Length());
  }
  request->body_file = string_arg(info, 5);
  request->body_size = info[6].As<Napi::Number>().DoubleValue();
  request->request_time = info[7].As<Napi::Number>().DoubleValue();
  request->post_form = static_cast<PostForm>(info[10].IsNumber() ? info[10].As<Napi::Number>().Int32Value() : 0);
  if (request->post_form == PostForm::Multipart) request->form = form_parts(info[11]);
  int64_t direct_socket = info[8].IsNumber() ? info[8].As<Napi::Number>().Int64Value() : -1;
  if (direct_socket >= 0) {
    request->direct_socket = find_socket(direct_socket);
    if (request->direct_socket) request->direct_socket->expect(request->id, info[9].ToNumber().Int32Value());
  }
  if (info.Length() > 12 && info[12].IsNumber()) request->connection = info[12].As<Napi::Number>().Uint32Value();
  if (info.Length() > 13 && info[13].IsNumber()) request->compress_from = info[13].As<Napi::Number>().DoubleValue();
  g_bridge->push(std::move(request));
  return info.Env().Undefined();
}

// wake(): PHP looks at its queue (after one or more dispatch() calls).
Napi::Value Wake(const Napi::CallbackInfo& info) {
  g_bridge->wake();
  return info.Env().Undefined();
}

// taken(): [id of the request PHP took last (0: none), milliseconds since].
Napi::Value Taken(const Napi::CallbackInfo& info) {
  Bridge::Taken taken = g_bridge->taken();
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(taken.id)));
  result.Set(1u, Napi::Number::New(info.Env(), taken.elapsed_ms));
  return result;
}

// watchLongRequests(afterMs): true once each request PHP runs for afterMs sends Node a LongRequest event (the read
// gate's cue, php-paced-reading.ts); false if the timer could not be made.
Napi::Value WatchLongRequests(const Napi::CallbackInfo& info) {
  bool watching = g_bridge->run_timer.watch(info[0].As<Napi::Number>().Int32Value(), [] {
    std::lock_guard<std::mutex> lock(g_events_mutex);
    if (!g_events_open) return;
    auto* event = new Event();
    event->kind = EventKind::LongRequest;
    emit_to_node(event);
  });
  return Napi::Boolean::New(info.Env(), watching);
}

// cancel(id): true if the request was still queued and PHP will never see it.
Napi::Value Cancel(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(),
                            g_bridge->cancel(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value())));
}

// abandon(id): the client of this request is gone; send_chunk() returns false.
Napi::Value Abandon(const Napi::CallbackInfo& info) {
  g_bridge->abandon(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

// drained(bytes): Node wrote that many streamed bytes to the socket.
Napi::Value Drained(const Napi::CallbackInfo& info) {
  g_bridge->drained(static_cast<size_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

// adoptSocket(fd): the id of a socket PHP may write responses to (see direct_socket.h), or -1.
Napi::Value AdoptSocket(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(adopt_socket(info[0].As<Napi::Number>().Int32Value())));
}

// releaseSocket(socketId): Node closed the socket.
Napi::Value ReleaseSocket(const Napi::CallbackInfo& info) {
  release_socket(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

// answerInstead(socketId, id): true if Node may answer the request itself;
// false if PHP already took it (its Written / Response event is on the way).
Napi::Value AnswerInstead(const Napi::CallbackInfo& info) {
  auto socket = find_socket(info[0].As<Napi::Number>().Int64Value());
  auto id = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  return Napi::Boolean::New(info.Env(), !socket || socket->take(id));
}

// closeAfterwards(socketId): a response PHP writes on this socket says "Connection: close".
Napi::Value CloseAfterwards(const Napi::CallbackInfo& info) {
  if (auto socket = find_socket(info[0].As<Napi::Number>().Int64Value())) socket->close_afterwards();
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
  result.Set("phpVersion", built_php_version());
  result.Set("zendApi", ZEND_MODULE_API_NO);
  Dl_info library;
  if (dladdr(reinterpret_cast<void*>(&php_embed_init), &library) && library.dli_fname)
    result.Set("libphp", library.dli_fname);
  return result;
}

void cleanup(void*) {
  // Let a PHP thread that is parked in take_request() finish before exit.
  g_bridge->stop();
  join_php_thread();
}

}  // namespace

// The arguments of the JS event callback (see EventCallback in php-face.ts); Node owns `file` from here.
std::vector<napi_value> event_values(Napi::Env env, Event* event) {
  // "Name\nvalue\nName\nvalue": one string crosses N-API instead of 2n
  // (names and values cannot contain a line break; php_headers.cc checks).
  std::string headers;
  for (const auto& header : event->headers) {
    if (!headers.empty()) headers += '\n';
    headers += header.name;
    headers += '\n';
    headers += header.value;
  }
  // Header bytes cross as latin1 (one char per byte) and Node writes them
  // as latin1: what PHP sent is what the client gets, on every path.
  napi_value header_text;
  napi_create_string_latin1(env, headers.data(), headers.size(), &header_text);
  int file = event->file;
  event->file = -1;  // Node owns it now
  return {
      Napi::Number::New(env, static_cast<int>(event->kind)),
      Napi::Number::New(env, static_cast<double>(event->id)),
      Napi::Number::New(env, event->status),
      Napi::Boolean::New(env, event->last),
      header_text,
      to_js_data(env, event),
      Napi::Number::New(env, file),
      Napi::Number::New(env, event->body_bytes),
  };
}

void register_php_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start));
  exports.Set("dispatch", Napi::Function::New(env, Dispatch));
  exports.Set("wake", Napi::Function::New(env, Wake));
  exports.Set("drained", Napi::Function::New(env, Drained));
  exports.Set("taken", Napi::Function::New(env, Taken));
  exports.Set("watchLongRequests", Napi::Function::New(env, WatchLongRequests));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
  exports.Set("abandon", Napi::Function::New(env, Abandon));
  exports.Set("stop", Napi::Function::New(env, Stop));
  exports.Set("adoptSocket", Napi::Function::New(env, AdoptSocket));
  exports.Set("releaseSocket", Napi::Function::New(env, ReleaseSocket));
  exports.Set("answerInstead", Napi::Function::New(env, AnswerInstead));
  exports.Set("closeAfterwards", Napi::Function::New(env, CloseAfterwards));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  napi_add_env_cleanup_hook(env, cleanup, nullptr);
  raise_descriptor_limit();
  return_large_blocks();
}

}  // namespace ephpm
