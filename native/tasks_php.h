// Ephpm\Octane\ task and tick functions and exception classes (registered at
// module startup, see php_module.cc).
#pragma once

namespace ephpm {

void register_task_api(int type);

}  // namespace ephpm
