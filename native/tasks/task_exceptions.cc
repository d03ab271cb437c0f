#include "tasks/task_exceptions.h"

#include <cstring>
#include <string>

namespace ephpm {

zend_class_entry* g_task_failed = nullptr;
zend_class_entry* g_task_worker_died = nullptr;
zend_class_entry* g_task_timeout = nullptr;
zend_class_entry* g_task_queue_full = nullptr;

namespace {

std::string string_property(zend_object* object, const char* name) {
  zval unused;
  zval* value = zend_read_property(zend_get_exception_base(object), object, name, strlen(name), 1, &unused);
  return value && Z_TYPE_P(value) == IS_STRING ? std::string(Z_STRVAL_P(value), Z_STRLEN_P(value)) : std::string();
}

zend_long long_property(zend_object* object, const char* name) {
  zval unused;
  zval* value = zend_read_property(zend_get_exception_base(object), object, name, strlen(name), 1, &unused);
  return value && Z_TYPE_P(value) == IS_LONG ? Z_LVAL_P(value) : 0;
}

std::string plural(size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

void add_key(zval* keys, zend_string* key, zend_ulong index) {
  if (key) add_next_index_str(keys, zend_string_copy(key));
  else add_next_index_long(keys, static_cast<zend_long>(index));
}

// TaskQueueFull: some tasks were refused by every task worker. The others were
// queued and run anyway; acceptedKeys and rejectedKeys say which were which.
void throw_queue_full(const char* function, const DispatchReport& report, HashTable* tasks, bool results_dropped) {
  zval accepted, rejected;
  array_init(&accepted);
  array_init(&rejected);
  size_t i = 0;
  zend_string* key;
  zend_ulong index;
  ZEND_HASH_FOREACH_KEY(tasks, index, key) {
    add_key(i < report.queued.size() && report.queued[i] ? &accepted : &rejected, key, index);
    i++;
  }
  ZEND_HASH_FOREACH_END();
  size_t accepted_count = zend_hash_num_elements(Z_ARRVAL(accepted));
  size_t rejected_count = zend_hash_num_elements(Z_ARRVAL(rejected));
  std::string others =
      accepted_count == 0
          ? "none was queued"
          : "the other " + std::to_string(accepted_count) + (accepted_count == 1 ? " was" : " were") + " queued and " +
                (results_dropped ? "run, their results are not returned" : "will run") + " ($acceptedKeys)";
  zend_object* error = zend_throw_exception_ex(
      g_task_queue_full, 0,
      "Ephpm\\Octane\\%s(): the task queue is full (%s, each holding as many tasks as --task-queue-size allows): "
      "%zu of %s refused ($rejectedKeys), %s; add --task-workers or raise --task-queue-size",
      function, plural(report.task_workers, "task worker").c_str(), rejected_count, plural(i, "task").c_str(),
      others.c_str());
  zend_update_property(g_task_queue_full, error, "acceptedKeys", sizeof("acceptedKeys") - 1, &accepted);
  zend_update_property(g_task_queue_full, error, "rejectedKeys", sizeof("rejectedKeys") - 1, &rejected);
  zval_ptr_dtor(&accepted);
  zval_ptr_dtor(&rejected);
}

}  // namespace

TaskFailure failure_of(zend_object* error) {
  TaskFailure failure;
  failure.class_name.assign(ZSTR_VAL(error->ce->name), ZSTR_LEN(error->ce->name));
  failure.message = string_property(error, "message");
  failure.code = long_property(error, "code");
  failure.file = string_property(error, "file");
  failure.line = long_property(error, "line");
  zval unused;
  zval* trace = zend_read_property(zend_get_exception_base(error), error, "trace", sizeof("trace") - 1, 1, &unused);
  if (trace && Z_TYPE_P(trace) == IS_ARRAY) {
    zend_string* text = zend_trace_to_string(Z_ARRVAL_P(trace), true);
    failure.trace.assign(ZSTR_VAL(text), ZSTR_LEN(text));
    zend_string_release(text);
  }
  return failure;
}

void failure_object(const TaskFailure& failure, bool worker_died, zval* out) {
  object_init_ex(out, worker_died ? g_task_worker_died : g_task_failed);
  zend_object* object = Z_OBJ_P(out);
  zend_update_property_stringl(zend_ce_exception, object, "message", sizeof("message") - 1, failure.message.data(),
                               failure.message.size());
  zend_update_property_long(zend_ce_exception, object, "code", sizeof("code") - 1, failure.code);
  if (!failure.file.empty()) {
    zend_update_property_stringl(zend_ce_exception, object, "file", sizeof("file") - 1, failure.file.data(),
                                 failure.file.size());
    zend_update_property_long(zend_ce_exception, object, "line", sizeof("line") - 1, failure.line);
  }
  zend_update_property_stringl(g_task_failed, object, "originalClass", sizeof("originalClass") - 1,
                               failure.class_name.data(), failure.class_name.size());
  zend_update_property_stringl(g_task_failed, object, "originalTrace", sizeof("originalTrace") - 1,
                               failure.trace.data(), failure.trace.size());
}

bool report_problem(const char* function, const DispatchReport& report, HashTable* tasks, zend_long wait_ms) {
  size_t total = zend_hash_num_elements(tasks);
  switch (report.status) {
    case DispatchStatus::Done:
      return false;
    case DispatchStatus::NoTaskWorkers:
      zend_throw_error(nullptr,
                       "Ephpm\\Octane\\%s(): this server runs no task workers; start it with --task-workers=N "
                       "(or task_workers = N under [server] in ephpm.toml)",
                       function);
      return true;
    case DispatchStatus::QueueFull:
      throw_queue_full(function, report, tasks, std::strcmp(function, "run_tasks") == 0);
      return true;
    case DispatchStatus::Timeout:
      zend_throw_exception_ex(g_task_timeout, 0,
                              "Ephpm\\Octane\\%s(): %zu of %zu task%s did not finish within " ZEND_LONG_FMT " ms",
                              function, report.unfinished, total, total == 1 ? "" : "s", wait_ms);
      return true;
  }
  return false;
}

}  // namespace ephpm
