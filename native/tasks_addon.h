// Node-API functions for task and tick workers (registered from addon.cc).
#pragma once

#include <napi.h>

namespace ephpm {

void register_task_addon(Napi::Env env, Napi::Object exports);

}  // namespace ephpm
