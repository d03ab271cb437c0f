#include "php/php_module.h"

#include "php/php_headers.h"
#include "php/embedding.h"
#include "php/request_array.h"
#include "php/server_vars.h"
#include "php/output_capture.h"
#include "php/uploads.h"
#include "tables/table_php.h"
#include "tasks/task_php.h"

namespace ephpm {
namespace {

using Phase = WorkerState::Phase;

// Every response function needs an open request that has not been answered.
bool require_open(const char* function, bool streaming) {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Idle || !state.current) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\%s(): no request is waiting for a response; call take_request() first", function);
    return false;
  }
  if (streaming && state.phase != Phase::Streaming) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\%s(): no streamed response is open; call start_response() first", function);
    return false;
  }
  if (!streaming && state.phase != Phase::Open) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\%s(): the response to this request was already sent", function);
    return false;
  }
  return true;
}

bool valid_status(zend_long status) {
  if (status >= 100 && status <= 999) return true;
  zend_argument_value_error(1, "must be an HTTP status code between 100 and 999, " ZEND_LONG_FMT " given", status);
  return false;
}

}  // namespace

PHP_FUNCTION(take_request) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!require_role("take_request", "http")) RETURN_THROWS();  // tasks/task_php.cc
  WorkerState& state = worker_state();
  finish_open_request_implicitly();
  forget_uploaded_files();
  // A time limit set with set_time_limit() ends with the request that set it.
  zend_unset_timeout();
  if (!state.took_request_this_run) {
    state.took_request_this_run = true;
    auto* ready = new Event();
    ready->kind = EventKind::Ready;
    state.emit(ready);
  }
  state.current = state.bridge->take();
  if (!state.current) {
    state.phase = Phase::Idle;
    RETURN_NULL();
  }
  state.phase = Phase::Open;
  state.output.clear();
  PG(connection_status) = PHP_CONNECTION_NORMAL;
  clear_sapi_headers();
  build_request_array(*state.current, return_value);
  std::string().swap(state.current->body);  // PHP has its own copy now
}

PHP_FUNCTION(send_response) {
  zend_long status = 200;
  HashTable* headers = nullptr;
  zend_string* body = nullptr;
  ZEND_PARSE_PARAMETERS_START(0, 3)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(status)
    Z_PARAM_ARRAY_HT(headers)
    Z_PARAM_STR(body)
  ZEND_PARSE_PARAMETERS_END();
  if (!require_open("send_response", false) || !valid_status(status)) RETURN_THROWS();
  std::vector<Header> list;
  if (headers && !headers_from_array(headers, list)) RETURN_THROWS();
  send_full_response(static_cast<int>(status), std::move(list),
                     body ? std::string(ZSTR_VAL(body), ZSTR_LEN(body)) : std::string());
}

PHP_FUNCTION(start_response) {
  zend_long status = 200;
  HashTable* headers = nullptr;
  ZEND_PARSE_PARAMETERS_START(0, 2)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(status)
    Z_PARAM_ARRAY_HT(headers)
  ZEND_PARSE_PARAMETERS_END();
  if (!require_open("start_response", false) || !valid_status(status)) RETURN_THROWS();
  std::vector<Header> list;
  if (headers && !headers_from_array(headers, list)) RETURN_THROWS();
  start_streamed_response(static_cast<int>(status), std::move(list));
}

PHP_FUNCTION(send_chunk) {
  zend_string* chunk;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STR(chunk)
  ZEND_PARSE_PARAMETERS_END();
  if (!require_open("send_chunk", true)) RETURN_THROWS();
  RETURN_BOOL(write_streamed_chunk(ZSTR_VAL(chunk), ZSTR_LEN(chunk)));
}

PHP_FUNCTION(end_response) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!require_open("end_response", true)) RETURN_THROWS();
  end_streamed_response();
}

namespace {

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_take_request, 0, 0, IS_ARRAY, 1)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_send_response, 0, 0, IS_VOID, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, status, IS_LONG, 0, "200")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, headers, IS_ARRAY, 0, "[]")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, body, IS_STRING, 0, "\"\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_start_response, 0, 0, IS_VOID, 0)
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, status, IS_LONG, 0, "200")
  ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, headers, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_send_chunk, 0, 1, _IS_BOOL, 0)
  ZEND_ARG_TYPE_INFO(0, chunk, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_end_response, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()

const zend_function_entry functions[] = {
  ZEND_NS_FE("Ephpm\\Octane", take_request, arginfo_take_request)
  ZEND_NS_FE("Ephpm\\Octane", send_response, arginfo_send_response)
  ZEND_NS_FE("Ephpm\\Octane", start_response, arginfo_start_response)
  ZEND_NS_FE("Ephpm\\Octane", send_chunk, arginfo_send_chunk)
  ZEND_NS_FE("Ephpm\\Octane", end_response, arginfo_end_response)
  ZEND_FE_END
};

PHP_MINIT_FUNCTION(ephpm) {
  if (table_module_startup(type, module_number) != SUCCESS) return FAILURE;  // table_php.cc
  register_task_api(type);  // tasks/task_php.cc
  intern_server_vars();
  return SUCCESS;
}

zend_module_entry module_entry = {
  STANDARD_MODULE_HEADER,
  "ephpm",
  functions,
  PHP_MINIT(ephpm), nullptr, nullptr, nullptr, nullptr,
  "0.1.0",
  STANDARD_MODULE_PROPERTIES
};

}  // namespace

zend_module_entry* ephpm_module_entry() { return &module_entry; }

zend_class_entry* register_exception(const char* name, zend_class_entry* parent) {
  zend_class_entry ce;
  INIT_CLASS_ENTRY_EX(ce, name, strlen(name), nullptr);
  return zend_register_internal_class_ex(&ce, parent);
}

}  // namespace ephpm
