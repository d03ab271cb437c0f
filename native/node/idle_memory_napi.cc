// Node-API face of what an idle worker gives back. Under load a worker's V8 heap holds its young generation and
// the garbage of its last requests (~19 MB after a Laravel bench, 7 MB of it live), and glibc keeps freed malloc
// memory in its arenas; none of it is returned while nothing allocates. Once the worker has been idle a while,
// releaseIdleMemory() collects all of V8's garbage, shrinks its young generation, releases its free pages, and
// trims glibc's arenas (docs/ARCHITECTURE.md, "Memory per worker").
#include <malloc.h>

#include "node/napi_faces.h"

// The two V8 functions called here, declared as v8.h declares them: Node exports V8's API for native addons, and
// the addon is built offline from Node-API's headers, which do not include V8's. Both have kept these signatures
// since V8's first public API.
namespace v8 {
class Isolate {
 public:
  static Isolate* GetCurrent();
  void LowMemoryNotification();
};
}  // namespace v8

namespace ephpm {
namespace {

// releaseIdleMemory(): on the worker's main thread, where its isolate runs; blocks it for a full GC (a few ms).
Napi::Value ReleaseIdleMemory(const Napi::CallbackInfo& info) {
  v8::Isolate::GetCurrent()->LowMemoryNotification();
  malloc_trim(0);
  return info.Env().Undefined();
}

}  // namespace

void register_idle_memory_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("releaseIdleMemory", Napi::Function::New(env, ReleaseIdleMemory, "releaseIdleMemory"));
}

}  // namespace ephpm
