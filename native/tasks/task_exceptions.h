// The exceptions that Ephpm\Octane\run_tasks() and dispatch_tasks() throw or
// return, and how a task's failure crosses between PHP objects and the wire.
#pragma once

#include "php/php_includes.h"
#include "tasks/task_dispatch.h"
#include "tasks/task_wire.h"

namespace ephpm {

// TaskFailed, TaskWorkerDied (a TaskFailed), TaskTimeout, TaskQueueFull (declared in tasks.stub.php, registered by
// register_task_api()).
extern zend_class_entry* g_task_failed;
extern zend_class_entry* g_task_worker_died;
extern zend_class_entry* g_task_timeout;
extern zend_class_entry* g_task_queue_full;

// What a task worker sends back for a Throwable its task threw.
TaskFailure failure_of(zend_object* error);
// A TaskFailed (or TaskWorkerDied) carrying the original's class, message, code, file, line and trace.
void failure_object(const TaskFailure& failure, bool worker_died, zval* out);
// Throws for a dispatch that did not complete (no task workers, queue full, timeout); false when it did.
bool report_problem(const char* function, const DispatchReport& report, HashTable* tasks, zend_long wait_ms);

}  // namespace ephpm
