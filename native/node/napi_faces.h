// Each capability's Node-API functions, registered on the addon's exports by addon.cc.
#pragma once

#include <napi.h>

namespace ephpm {

// start, dispatch, wake, drained, taken, cancel, abandon, stop, buildInfo and the direct-write sockets (php_napi.cc).
void register_php_functions(Napi::Env env, Napi::Object exports);

// tablesCreate, tablesAttach, tablesInspect, tableRows, tablesRemove, tablesSweep (table_napi.cc).
void register_table_functions(Napi::Env env, Napi::Object exports);

// taskResults, pushTask, tick, tickCounts, stopTasks: task and tick workers (task_napi.cc).
void register_task_functions(Napi::Env env, Napi::Object exports);

// clusterCreate, clusterAttach, clusterDrain, clusterApply, clusterKeys, clusterCounts, clusterRemove, clusterSweep
// (cluster_napi.cc).
void register_cluster_functions(Napi::Env env, Napi::Object exports);

// lockServer, lockHolder: the lock a running supervisor holds (server_lock_napi.cc).
void register_server_lock_functions(Napi::Env env, Napi::Object exports);

// batchScheduling: a worker's main thread yields to its PHP thread on wake-up (scheduling_napi.cc).
void register_scheduling_functions(Napi::Env env, Napi::Object exports);

// releaseIdleMemory: an idle worker returns V8's garbage and glibc's free memory to the system (idle_memory_napi.cc).
void register_idle_memory_functions(Napi::Env env, Napi::Object exports);

// markParked, markAnswering, connectionState: a client connection's parked mark and what is unread
// (connection_state_napi.cc).
void register_connection_state_functions(Napi::Env env, Napi::Object exports);

}  // namespace ephpm
