// Each capability's Node-API functions, registered on the addon's exports by addon.cc.
#pragma once

#include <napi.h>

#include <vector>

#include "http/exchange.h"
#include "http/lane.h"

namespace ephpm {

// start, dispatch, wake, drained, taken, watchLongRequests, cancel, abandon, stop, buildInfo and the direct-write
// sockets (php_napi.cc).
void register_php_functions(Napi::Env env, Napi::Object exports);

// The arguments of the PHP event callback for `event` (php-face.ts EventCallback); Node owns its file from here.
std::vector<napi_value> event_values(Napi::Env env, Event* event);

// The worker's native lane, once PHP started with it (null: off).
Lane* native_lane();
void set_native_lane(Lane* lane);

// lend, laneReclaim, laneReopen, laneExpired, laneAnswered, laneNodePaths, laneRunning, laneAdopted, laneAnswerInstead:
// the native lane's connections and requests, as Node keeps track of them (lane_napi.cc).
void register_lane_functions(Napi::Env env, Napi::Object exports);

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
