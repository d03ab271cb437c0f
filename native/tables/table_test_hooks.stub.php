<?php

/** @generate-function-entries */

// Test hooks, registered only with EPHPM_TABLE_TEST_HOOKS=1 (table_test_hooks.cc). scripts/generate-arginfo.sh
// turns this file into table_test_hooks_arginfo.h.

namespace Ephpm\Octane\Testing;

/** The next row write stops half-way (first column written, the rest not), prints a line, and waits to be killed. */
function pause_next_table_write(): void {}
