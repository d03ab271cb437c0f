// Sending tasks from a worker's PHP thread straight to the task workers over
// unix sockets (no hop through Node or the supervisor): run_tasks() blocks
// until every task answered or the wait is over.
#pragma once

#include <string>
#include <vector>

#include "tasks/task_wire.h"

namespace ephpm {

struct TaskOutcome {
  enum class Kind { Pending, Ok, Failed, WorkerDied } kind = Kind::Pending;
  std::string result;   // Ok
  TaskFailure failure;  // Failed, WorkerDied
};

enum class DispatchStatus { Done, NoTaskWorkers, Timeout, QueueFull };

struct DispatchReport {
  DispatchStatus status = DispatchStatus::Done;
  size_t unfinished = 0;
  size_t task_workers = 0;
  // queued[i]: a task worker took payloads[i] (it runs, or ran). With QueueFull,
  // every task was either queued or refused by every task worker.
  std::vector<bool> queued;
};

// outcomes[i] answers payloads[i].
DispatchReport run_tasks(const std::vector<std::string>& payloads, long wait_ms, std::vector<TaskOutcome>& outcomes);

// Fire-and-forget: returns once a task worker has queued every task (or QueueFull / Timeout).
DispatchReport dispatch_tasks(const std::vector<std::string>& payloads, long wait_ms);

}  // namespace ephpm
