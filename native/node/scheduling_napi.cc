// Node-API face of the worker's scheduling policy. A worker's Node main thread wakes for every burst of
// network events; with the default policy each wake-up preempts the PHP thread running on that CPU, and
// PHP's working set (Laravel's container, router, compiled classes) then refills the caches. SCHED_BATCH
// keeps the main thread from preempting on wake-up: it runs when the CPU is free or at the next scheduler
// tick, so under load it handles its events in fewer, larger batches (docs/ARCHITECTURE.md, "Scheduling").
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "node/napi_faces.h"

namespace ephpm {
namespace {

// batchScheduling() -> '' once the calling thread runs under SCHED_BATCH, else why not (errno's text).
Napi::Value BatchScheduling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct sched_param param {};  // priority 0, the only one SCHED_BATCH takes
  // pid 0: the calling thread only (Linux applies the policy per thread); PHP's thread keeps the default.
  if (sched_setscheduler(0, SCHED_BATCH, &param) != 0) return Napi::String::New(env, strerror(errno));
  return Napi::String::New(env, "");
}

}  // namespace

void register_scheduling_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("batchScheduling", Napi::Function::New(env, BatchScheduling, "batchScheduling"));
}

}  // namespace ephpm
