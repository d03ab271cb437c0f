// The addon's entry point: one module whose exports are the Node-API faces of
// each capability (php_napi.cc, table_napi.cc, task_napi.cc, cluster_napi.cc,
// server_lock_napi.cc, scheduling_napi.cc, idle_memory_napi.cc,
// connection_state_napi.cc). The TypeScript
// side types them all in src/runtime/php/addon.ts.
#include <napi.h>

#include "node/napi_faces.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ephpm::register_php_functions(env, exports);
  ephpm::register_lane_functions(env, exports);
  ephpm::register_table_functions(env, exports);
  ephpm::register_task_functions(env, exports);
  ephpm::register_cluster_functions(env, exports);
  ephpm::register_server_lock_functions(env, exports);
  ephpm::register_scheduling_functions(env, exports);
  ephpm::register_idle_memory_functions(env, exports);
  ephpm::register_connection_state_functions(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ephpm, Init)
