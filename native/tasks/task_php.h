// Ephpm\Octane\ task and tick functions and exception classes (registered at
// module startup, see php_module.cc).
#pragma once

namespace ephpm {

void register_task_api(int type);

// Throws a PHP Error naming the role this worker has, unless it is `wanted`.
bool require_role(const char* function, const char* wanted);

}  // namespace ephpm
