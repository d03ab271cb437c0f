#include "php/embedding.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <cstring>

#include "php/php_includes.h"
#include "php/php_headers.h"
#include "php/php_module.h"
#include "php/output_capture.h"
#include "php/server_vars.h"
#include "php/sigprof.h"
#include "php/std_streams.h"
#include "php/uploads.h"
#include "zygote/zygote.h"

namespace ephpm {
namespace {

// Defaults every worker needs; user ini overrides come after and win.
// max_execution_time: PHP's timer (ITIMER_PROF) counts the whole process's CPU
// time, Node's too, so request timeouts are enforced from JS instead;
// set_time_limit() still works (see sigprof.h). OPcache only enables itself for known
// SAPI names, hence the "cli" name below plus opcache.enable_cli.
constexpr const char* kRuntimeIni =
    "html_errors=0\n"
    "implicit_flush=0\n"
    "output_buffering=0\n"
    "max_execution_time=0\n"
    "max_input_time=-1\n"
    "hard_timeout=0\n"  // its second stage re-installs PHP's SIGPROF handler
    "register_argc_argv=1\n"
    "display_errors=0\n"
    "log_errors=1\n"
    "opcache.enable=1\n"
    "opcache.enable_cli=1\n";

WorkerState* g_state = new WorkerState();  // never freed, like the Bridge
RuntimeOptions* g_options = new RuntimeOptions();
pthread_t g_thread;
bool g_thread_started = false;
bool g_thread_joined = false;
char* g_argv[2] = {nullptr, nullptr};

// Node loads addons with RTLD_LOCAL, which hides libphp's symbols from the
// extensions PHP dlopen()s later ("undefined symbol: zend_empty_array").
void promote_libphp_symbols() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&php_embed_init), &info) && info.dli_fname) {
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

void emit_text(EventKind kind, const std::string& text) {
  auto* event = new Event();
  event->kind = kind;
  event->data = text;
  worker_state().emit(event);
}

size_t on_ub_write(const char* data, size_t length) { return capture_output(data, length); }

void on_flush(void*) { flush_streamed_output(); }

void on_log_message(const char* message, int) {
  worker_state().last_error = message;
  emit_text(EventKind::Log, message);
}

int on_startup(sapi_module_struct* sapi) {
  // php_embed_init() has just set its own ini_entries; append ours.
  std::string ini = std::string(sapi->ini_entries ? sapi->ini_entries : "") + kRuntimeIni + g_options->ini;
  free(sapi->ini_entries);
  sapi->ini_entries = static_cast<char*>(malloc(ini.size() + 1));
  memcpy(sapi->ini_entries, ini.c_str(), ini.size() + 1);
  // Keep PHP from installing its signal handlers: with them, SIGTERM to Node
  // leaves the process spinning instead of exiting.
  SIGG(reset) = 0;
  int started = php_module_startup(sapi, ephpm_module_entry());
  zend_on_timeout = on_php_timeout_signal;  // sigprof.cc
  return started;
}

void prepare_request_globals() {
  SG(headers_sent) = 1;
  SG(request_info).no_headers = 1;
  SIGG(reset) = 0;
  install_sigprof_router();
  // A profiler sample that reached PHP's timeout handler during request
  // startup (see on_php_timeout_signal) made PHP believe its time was up.
  zend_atomic_bool_store_ex(&EG(timed_out), false);
}

// No C++ objects with destructors in here: zend_try is a longjmp.
bool execute_worker_script(const char* path) {
  bool completed = false;
  zend_file_handle file;
  zend_stream_init_filename(&file, path);
  zend_try { completed = php_execute_script(&file); }
  zend_end_try();
  zend_destroy_file_handle(&file);
  return completed;
}

// The script dies before serving: waiting clients get an answer now rather
// than a timeout, and their requests will not run later by surprise.
void reject_waiting_requests() {
  WorkerState& state = worker_state();
  clear_sapi_headers();
  for (auto& request : state.bridge->take_all()) {
    state.current = std::move(request);
    state.phase = WorkerState::Phase::Open;
    send_full_response(503, {{"Content-Type", "text/plain; charset=UTF-8"}, {"Retry-After", "1"}},
                       "503 Service Unavailable: the PHP worker script fails to start; the server log says why.\n");
  }
  state.current.reset();
  state.phase = WorkerState::Phase::Idle;
}

void run_worker_loop() {
  WorkerState& state = worker_state();
  int failures_in_a_row = 0;
  while (true) {
    prepare_request_globals();
    state.took_request_this_run = false;
    state.last_error.clear();
    execute_worker_script(g_options->script.c_str());
    fail_open_request();
    forget_uploaded_files();
    state.current.reset();
    state.phase = WorkerState::Phase::Idle;
    if (state.bridge->stopping()) break;

    if (state.took_request_this_run) {
      failures_in_a_row = 0;
    } else {
      emit_text(EventKind::ScriptError,
                state.last_error.empty() ? "the worker script ended before calling take_request()" : state.last_error);
      reject_waiting_requests();
      failures_in_a_row++;
      state.bridge->pause(failures_in_a_row >= 5 ? 5000 : 100 * (1 << failures_in_a_row));
      if (state.bridge->stopping()) break;
    }
    php_request_shutdown(nullptr);
    if (php_request_startup() == FAILURE) break;
  }
}

// The PHP version this addon was compiled against, read at run time (through
// a volatile pointer, so the compiler cannot fold it into the comparisons).
const char kBuiltPhpVersion[] = PHP_VERSION;
const char* volatile g_built_php_version = kBuiltPhpVersion;

// The addon links whatever libphp.so is installed. Another patch release of
// the same minor version keeps the ABI (a warning); another minor does not.
bool libphp_matches_build() {
  const char* running = zend_get_module_version("standard");
  std::string built = g_built_php_version;
  if (!running || built == running) return true;
  std::string minor = built.substr(0, built.find('.', built.find('.') + 1) + 1);  // "8.2."

  std::string message = "the ephpm addon was built against PHP " + built + " but the installed libphp is " + running;
  if (std::string(running).rfind(minor, 0) == 0) {
    emit_text(EventKind::Log, "ephpm: " + message + "; it still works, but rebuild it to match: ephpm runtime:build");
    return true;
  }
  emit_text(EventKind::ScriptError, message + ", which it cannot run. Rebuild it: ephpm runtime:build");
  return false;
}

// The function the embed SAPI adds to PHP's own, dl() (php_embed.c keeps its table private).
ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_dl, 0, 1, _IS_BOOL, 0)
  ZEND_ARG_TYPE_INFO(0, extension_filename, IS_STRING, 0)
ZEND_END_ARG_INFO()
const zend_function_entry kEmbedFunctions[] = {ZEND_FE(dl, arginfo_dl) ZEND_FE_END};

// Module startup as php_embed_init() does it: the SAPI, the ini and every extension's MINIT (OPcache maps its
// shared memory here). Runs once per process, or once in the zygote for every worker it forks.
bool start_php_module() {
  signal(SIGPIPE, SIG_IGN);
  zend_signal_startup();
  php_embed_module.name = const_cast<char*>("cli");
  php_embed_module.pretty_name = const_cast<char*>("ephpm embedded PHP");
  php_embed_module.startup = on_startup;
  php_embed_module.ub_write = on_ub_write;
  php_embed_module.flush = on_flush;
  php_embed_module.log_message = on_log_message;
  sapi_startup(&php_embed_module);
  php_embed_module.ini_entries = nullptr;  // on_startup writes them
  php_embed_module.additional_functions = kEmbedFunctions;
  g_argv[0] = const_cast<char*>(g_options->script.c_str());
  php_embed_module.executable_location = g_argv[0];
  return php_embed_module.startup(&php_embed_module) == SUCCESS;
}

// The rest of php_embed_init(): the first request, in which the worker script runs.
bool start_first_request() {
  SG(options) |= SAPI_OPTION_NO_CHDIR;
  SG(request_info).argc = 1;
  SG(request_info).argv = g_argv;
  if (php_request_startup() == FAILURE) return false;
  SG(headers_sent) = 1;
  SG(request_info).no_headers = 1;
  php_register_variable(const_cast<char*>("PHP_SELF"), const_cast<char*>("-"), nullptr);
  return true;
}

void* thread_main(void*) {
  capture_node_sigprof();
  bool module_started = zygote_inheritance().started;
  if (module_started) {
    for (const std::string& line : zygote_inheritance().startup_log) emit_text(EventKind::Log, line);
  } else {
    promote_libphp_symbols();
    module_started = start_php_module();
  }
  if (module_started && start_first_request()) {
    keep_standard_descriptors();
    if (libphp_matches_build()) run_worker_loop();
    php_embed_shutdown();
  } else {
    emit_text(EventKind::ScriptError,
              "PHP failed to start (php_embed_init); check the ini settings and the extensions in conf.d");
  }
  emit_text(EventKind::Stopped, "");
  return nullptr;
}

}  // namespace

WorkerState& worker_state() { return *g_state; }

const char* built_php_version() { return g_built_php_version; }

bool start_php_module_for_zygote(const std::string& script, const std::string& ini, EventSink startup_log) {
  g_options->script = script;
  g_options->ini = ini;
  g_state->emit = std::move(startup_log);
  return start_php_module();
}

std::string start_php_thread(const RuntimeOptions& options, Bridge* bridge, EventSink emit) {
  if (g_thread_started) return "PHP is already running in this process (one embedded PHP per process)";
  const ZygoteInheritance& inherited = zygote_inheritance();
  if (inherited.started && (inherited.script != options.script || inherited.ini != options.ini))
    return "this worker was forked by a PHP zygote started with another worker script or other ini settings";
  *g_options = options;
  set_document_root(options.document_root);
  g_state->bridge = bridge;
  g_state->emit = std::move(emit);

  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, options.stack_size);
  // The PHP thread takes no signals: they belong to Node's threads.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  int error = pthread_create(&g_thread, &attributes, thread_main, nullptr);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  pthread_attr_destroy(&attributes);
  if (error != 0) return std::string("could not start the PHP thread: ") + strerror(error);
  g_thread_started = true;
  return "";
}

void join_php_thread() {
  if (!g_thread_started || g_thread_joined) return;
  g_thread_joined = true;
  pthread_join(g_thread, nullptr);
}

}  // namespace ephpm
