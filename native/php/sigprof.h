// SIGPROF has two users in a worker process: V8's CPU profiler (node
// --cpu-prof) samples Node's thread with it, and PHP's execution time limit
// (set_time_limit) is an ITIMER_PROF timer that raises it. PHP would install
// its own handler for the whole process, so ephpm installs a router instead:
// the timer's signal marks PHP's time as up, anything else goes to whatever
// Node had installed.
#pragma once

namespace ephpm {

// On the PHP thread before PHP starts: remembers Node's disposition.
void capture_node_sigprof();
// Puts the router back (PHP's request startup replaces it with PHP's handler).
void install_sigprof_router();
// For zend_on_timeout: PHP's own handler ran (see embedding.cc).
void on_php_timeout_signal(int seconds);

}  // namespace ephpm
