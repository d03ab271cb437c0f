// The embedded PHP interpreter: one dedicated thread per process runs the
// worker script in a loop and restarts it when it dies.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "http/bridge.h"

namespace ephpm {

struct RuntimeOptions {
  std::string script;         // absolute path of the worker script
  std::string ini;            // "key=value\n" lines appended after the built-in defaults
  std::string document_root;  // the app's public/ directory ($_SERVER['DOCUMENT_ROOT'])
  size_t stack_size = 64 * 1024 * 1024;
};

// State owned by the PHP thread. Only that thread reads or writes it.
struct WorkerState {
  enum class Phase { Idle, Open, Streaming, Done };

  Bridge* bridge = nullptr;
  EventSink emit;
  std::unique_ptr<Request> current;  // the request PHP is working on, if any
  Phase phase = Phase::Idle;
  std::string output;  // echoed output not yet sent anywhere
  std::string last_error;
  bool took_request_this_run = false;
};

WorkerState& worker_state();

// Starts the PHP thread. Returns an error message, or "" on success.
std::string start_php_thread(const RuntimeOptions& options, Bridge* bridge, EventSink emit);

// PHP's module startup (MINIT) on the calling thread, for the zygote (zygote/zygote.cc) before it forks workers:
// PHP logs what it says meanwhile through `startup_log`. Returns false when PHP fails to start.
bool start_php_module_for_zygote(const std::string& script, const std::string& ini, EventSink startup_log);

// The PHP version this addon was compiled against.
const char* built_php_version();

// Joins the PHP thread after Bridge::stop(); safe to call twice.
void join_php_thread();

}  // namespace ephpm
