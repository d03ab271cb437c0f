#include "tasks/task_php.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <ext/spl/spl_exceptions.h>
}

#include "php/php_includes.h"
#include "php/php_module.h"
#include "php/embedding.h"
#include "tasks/task_dispatch.h"
#include "tasks/task_exceptions.h"
#include "tasks/task_inbox.h"

namespace ephpm {

#include "tasks/tasks_arginfo.h"  // generated from tasks.stub.php by scripts/generate-arginfo.sh

namespace {

// The task a task worker's script took and has not answered yet (PHP thread only).
bool g_task_open = false;
uint32_t g_task_key = 0;

// The fatal error that ended the script while a task was open: kept across the
// script's restart (PHP's own last_error is cleared at request shutdown).
struct FatalError {
  bool seen = false;
  int type = 0;
  std::string message;
  std::string file;
  uint32_t line = 0;
};
FatalError g_fatal;

void (*g_previous_error_cb)(int, zend_string*, const uint32_t, zend_string*) = nullptr;

constexpr int kFatalTypes = E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR | E_PARSE;

void remember_fatal_error(int type, zend_string* file, const uint32_t line, zend_string* message) {
  if (g_task_open && !g_fatal.seen && (type & E_ALL & kFatalTypes) != 0) {
    g_fatal.seen = true;
    g_fatal.type = type & E_ALL;
    g_fatal.message.assign(ZSTR_VAL(message), ZSTR_LEN(message));
    if (file) g_fatal.file.assign(ZSTR_VAL(file), ZSTR_LEN(file));
    g_fatal.line = line;
  }
  g_previous_error_cb(type, file, line, message);
}

// As PHP names them in its log.
const char* error_type_name(int type) {
  switch (type) {
    case E_PARSE:
      return "Parse error";
    case E_RECOVERABLE_ERROR:
      return "Recoverable fatal error";
    default:
      return "Fatal error";
  }
}

std::string role() {
  const char* value = std::getenv("EPHPM_WORKER_ROLE");
  return value && *value ? value : "http";
}

// The first take_task()/take_tick() of a script run tells Node the worker is ready.
void announce_ready() {
  WorkerState& state = worker_state();
  zend_unset_timeout();  // a set_time_limit() of the last task ends with it
  if (state.took_request_this_run) return;
  state.took_request_this_run = true;
  auto* ready = new Event();
  ready->kind = EventKind::Ready;
  state.emit(ready);
}

void answer_task(FrameType type, std::string data) {
  auto* result = new TaskResult();
  result->key = g_task_key;
  result->type = type;
  result->data = std::move(data);
  g_task_open = false;
  send_task_result(result);
}

void fail_task_with(const char* class_name, const std::string& message) {
  TaskFailure failure;
  failure.class_name = class_name;
  failure.message = message;
  answer_task(FrameType::ResultFailed, encode_failure(failure));
}

// The open task ended the script: the caller gets PHP's error as PHP logged it,
// with its file and line, and the error type (E_ERROR, ...) as the code.
void fail_unfinished_task() {
  TaskFailure failure;
  failure.class_name = "Ephpm\\Octane\\TaskNotFinished";
  if (g_fatal.seen) {
    failure.message = std::string("PHP ") + error_type_name(g_fatal.type) + ":  " + g_fatal.message + " in " +
                      g_fatal.file + " on line " + std::to_string(g_fatal.line);
    failure.code = g_fatal.type;
    failure.file = g_fatal.file;
    failure.line = g_fatal.line;
  } else {
    failure.message =
        "The task worker script ended while running this task without a PHP error: exit() was called "
        "(or the script returned) before finish_task() or fail_task().";
  }
  answer_task(FrameType::ResultFailed, encode_failure(failure));
}

bool collect_payloads(HashTable* tasks, std::vector<std::string>& payloads) {
  zend_string* key;
  zend_ulong index;
  zval* value;
  ZEND_HASH_FOREACH_KEY_VAL(tasks, index, key, value) {
    ZVAL_DEREF(value);
    if (Z_TYPE_P(value) != IS_STRING) {
      if (key)
        zend_argument_type_error(1, "must contain only strings (serialized tasks), %s given for key \"%s\"",
                                 zend_zval_type_name(value), ZSTR_VAL(key));
      else
        zend_argument_type_error(1, "must contain only strings (serialized tasks), %s given for key " ZEND_ULONG_FMT,
                                 zend_zval_type_name(value), index);
      return false;
    }
    payloads.emplace_back(Z_STRVAL_P(value), Z_STRLEN_P(value));
  }
  ZEND_HASH_FOREACH_END();
  return true;
}

}  // namespace

bool require_role(const char* function, const char* wanted) {
  std::string current = role();
  if (current == wanted) return true;
  zend_throw_error(nullptr,
                   "Ephpm\\Octane\\%s() only works in a%s %s worker, and this is a%s %s worker; "
                   "branch on Ephpm\\Octane\\worker_role() in the worker script",
                   function, std::strcmp(wanted, "http") == 0 ? "n" : "", wanted, current == "http" ? "n" : "",
                   current.c_str());
  return false;
}

PHP_FUNCTION(Ephpm_Octane_worker_role) {
  ZEND_PARSE_PARAMETERS_NONE();
  std::string current = role();
  RETURN_STRINGL(current.data(), current.size());
}

PHP_FUNCTION(Ephpm_Octane_take_task) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!require_role("take_task", "task")) RETURN_THROWS();
  bool new_run = !worker_state().took_request_this_run;
  if (g_task_open && new_run) fail_unfinished_task();
  if (g_task_open) {
    fail_task_with(
        "Ephpm\\Octane\\TaskNotFinished",
        "The task worker script took its next task without answering this one; call finish_task() or fail_task().");
  }
  announce_ready();
  QueuedTask task;
  if (!task_inbox().take(task)) RETURN_NULL();
  g_fatal = FatalError();
  g_task_open = true;
  g_task_key = task.key;
  RETURN_STRINGL(task.payload.data(), task.payload.size());
}

PHP_FUNCTION(Ephpm_Octane_finish_task) {
  zend_string* result = nullptr;
  ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(result)
  ZEND_PARSE_PARAMETERS_END();
  if (!g_task_open) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\finish_task(): no task is open; call take_task() first");
    RETURN_THROWS();
  }
  answer_task(FrameType::ResultOk, result ? std::string(ZSTR_VAL(result), ZSTR_LEN(result)) : std::string());
}

PHP_FUNCTION(Ephpm_Octane_fail_task) {
  zval* error;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_OBJECT_OF_CLASS(error, zend_ce_throwable)
  ZEND_PARSE_PARAMETERS_END();
  if (!g_task_open) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\fail_task(): no task is open; call take_task() first");
    RETURN_THROWS();
  }
  answer_task(FrameType::ResultFailed, encode_failure(failure_of(Z_OBJ_P(error))));
}

PHP_FUNCTION(Ephpm_Octane_take_tick) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!require_role("take_tick", "tick")) RETURN_THROWS();
  announce_ready();
  Tick tick;
  if (!task_inbox().take_tick(tick)) RETURN_NULL();
  array_init_size(return_value, 3);
  add_assoc_long(return_value, "number", static_cast<zend_long>(tick.number));
  add_assoc_double(return_value, "time", tick.time);
  add_assoc_long(return_value, "missed", static_cast<zend_long>(tick.missed));
}

PHP_FUNCTION(Ephpm_Octane_run_tasks) {
  HashTable* tasks;
  zend_long wait_ms = 3000;
  ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_ARRAY_HT(tasks)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(wait_ms)
  ZEND_PARSE_PARAMETERS_END();
  if (wait_ms < 1) {
    zend_argument_value_error(2, "must be at least 1 (milliseconds), " ZEND_LONG_FMT " given", wait_ms);
    RETURN_THROWS();
  }
  std::vector<std::string> payloads;
  if (!collect_payloads(tasks, payloads)) RETURN_THROWS();
  array_init_size(return_value, static_cast<uint32_t>(payloads.size()));
  if (payloads.empty()) return;
  std::vector<TaskOutcome> outcomes;
  DispatchReport report = run_tasks(payloads, static_cast<long>(wait_ms), outcomes);
  if (report_problem("run_tasks", report, tasks, wait_ms)) RETURN_THROWS();

  size_t i = 0;
  zend_string* key;
  zend_ulong index;
  ZEND_HASH_FOREACH_KEY(tasks, index, key) {
    TaskOutcome& outcome = outcomes[i++];
    zval value;
    if (outcome.kind == TaskOutcome::Kind::Ok) ZVAL_STRINGL(&value, outcome.result.data(), outcome.result.size());
    else failure_object(outcome.failure, outcome.kind == TaskOutcome::Kind::WorkerDied, &value);
    if (key) zend_hash_update(Z_ARRVAL_P(return_value), key, &value);
    else zend_hash_index_update(Z_ARRVAL_P(return_value), index, &value);
  }
  ZEND_HASH_FOREACH_END();
}

PHP_FUNCTION(Ephpm_Octane_dispatch_tasks) {
  HashTable* tasks;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ARRAY_HT(tasks)
  ZEND_PARSE_PARAMETERS_END();
  std::vector<std::string> payloads;
  if (!collect_payloads(tasks, payloads)) RETURN_THROWS();
  if (payloads.empty()) return;
  constexpr zend_long kHandOverMs = 3000;
  DispatchReport report = dispatch_tasks(payloads, kHandOverMs);
  if (report.status == DispatchStatus::Timeout) {
    size_t queued = payloads.size() - report.unfinished;
    zend_throw_exception_ex(
        g_task_timeout, 0,
        "Ephpm\\Octane\\dispatch_tasks(): no task worker took %zu of %zu task%s within " ZEND_LONG_FMT
        " ms (all task workers are restarting or their sockets are full); %zu %s queued and will run",
        report.unfinished, payloads.size(), payloads.size() == 1 ? "" : "s", kHandOverMs, queued,
        queued == 1 ? "was" : "were");
    RETURN_THROWS();
  }
  report_problem("dispatch_tasks", report, tasks, kHandOverMs);
}

void register_task_api(int type) {
  zend_register_functions(nullptr, ext_functions, nullptr, type);
  g_task_failed = register_class_Ephpm_Octane_TaskFailed(spl_ce_RuntimeException);
  g_task_worker_died = register_class_Ephpm_Octane_TaskWorkerDied(g_task_failed);
  g_task_timeout = register_class_Ephpm_Octane_TaskTimeout(spl_ce_RuntimeException);
  g_task_queue_full = register_class_Ephpm_Octane_TaskQueueFull(spl_ce_RuntimeException);
  if (g_previous_error_cb == nullptr) {
    g_previous_error_cb = zend_error_cb;
    zend_error_cb = remember_fatal_error;
  }
}

}  // namespace ephpm
