// Ephpm\Octane\Testing\* functions for the table tests, registered only with EPHPM_TABLE_TEST_HOOKS=1.
#pragma once

namespace ephpm {

void register_table_test_hooks(int type);

}  // namespace ephpm
