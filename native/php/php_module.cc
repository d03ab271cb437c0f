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

#include "php/ephpm_arginfo.h"  // generated from ephpm.stub.php by scripts/generate-arginfo.sh

namespace {

using Phase = WorkerState::Phase;

// Every response function needs an open request that has not been answered.
bool require_open(const char* function, bool streaming) {
  WorkerState& state = worker_state();
  if (state.phase == Phase::Idle || !state.current) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\%s(): no request is waiting for a response; call take_request() first",
                     function);
    return false;
  }
  if (streaming && state.phase != Phase::Streaming) {
    zend_throw_error(nullptr, "Ephpm\\Octane\\%s(): no streamed response is open; call start_response() first",
                     function);
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

PHP_FUNCTION(Ephpm_Octane_take_request) {
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

PHP_FUNCTION(Ephpm_Octane_send_response) {
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

PHP_FUNCTION(Ephpm_Octane_start_response) {
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

PHP_FUNCTION(Ephpm_Octane_send_chunk) {
  zend_string* chunk;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_STR(chunk)
  ZEND_PARSE_PARAMETERS_END();
  if (!require_open("send_chunk", true)) RETURN_THROWS();
  RETURN_BOOL(write_streamed_chunk(ZSTR_VAL(chunk), ZSTR_LEN(chunk)));
}

PHP_FUNCTION(Ephpm_Octane_send_early_hints) {
  HashTable* headers;
  ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ARRAY_HT(headers)
  ZEND_PARSE_PARAMETERS_END();
  if (!require_open("send_early_hints", false)) RETURN_THROWS();
  std::vector<Header> list;
  if (!headers_from_array(headers, list)) RETURN_THROWS();
  WorkerState& state = worker_state();
  // Node writes the 103, so Node writes the response as well: a direct write could reach the socket before it.
  state.current->direct_socket.reset();
  auto* hints = new Event();
  hints->kind = EventKind::EarlyHints;
  hints->id = state.current->id;
  hints->headers = std::move(list);
  state.emit(hints);
}

PHP_FUNCTION(Ephpm_Octane_end_response) {
  ZEND_PARSE_PARAMETERS_NONE();
  if (!require_open("end_response", true)) RETURN_THROWS();
  end_streamed_response();
}

namespace {

PHP_MINIT_FUNCTION(ephpm) {
  if (table_module_startup(type, module_number) != SUCCESS) return FAILURE;  // table_php.cc
  register_task_api(type);                                                   // tasks/task_php.cc
  intern_server_vars();
  return SUCCESS;
}

// clang-format off
zend_module_entry module_entry = {
  STANDARD_MODULE_HEADER,
  "ephpm",
  ext_functions,
  PHP_MINIT(ephpm), nullptr, nullptr, nullptr, nullptr,
  "0.1.0",
  STANDARD_MODULE_PROPERTIES
};
// clang-format on

}  // namespace

zend_module_entry* ephpm_module_entry() { return &module_entry; }

}  // namespace ephpm
