// Registers the shared-table functions (tablesCreate, tablesAttach, ...) on the addon's exports.
#pragma once

#include <napi.h>

namespace ephpm {

void register_table_functions(Napi::Env env, Napi::Object exports);

}  // namespace ephpm
