#include "php/sigprof.h"

#include <signal.h>

#include "php/php_includes.h"

namespace ephpm {
namespace {

struct sigaction g_node_sigprof;

void forward_to_node(int signo, siginfo_t* info, void* context) {
  if (g_node_sigprof.sa_flags & SA_SIGINFO) {
    g_node_sigprof.sa_sigaction(signo, info, context);
  } else if (g_node_sigprof.sa_handler != SIG_DFL && g_node_sigprof.sa_handler != SIG_IGN) {
    g_node_sigprof.sa_handler(signo);
  }
  // Node had none: nothing of Node's uses SIGPROF, so it is dropped rather
  // than left to its default action, which would end the process.
}

void route(int signo, siginfo_t* info, void* context) {
  // Interval timers are sent by the kernel (SI_KERNEL); V8's sampler uses
  // tgkill (SI_TKILL). The timer is only ever PHP's.
  if (info && info->si_code == SI_KERNEL) {
    // What PHP's own handler does: the VM stops the script at its next
    // check with "Maximum execution time of N seconds exceeded".
    zend_atomic_bool_store_ex(&EG(timed_out), true);
    zend_atomic_bool_store_ex(&EG(vm_interrupt), true);
    return;
  }
  forward_to_node(signo, info, context);
}

}  // namespace

void capture_node_sigprof() { sigaction(SIGPROF, nullptr, &g_node_sigprof); }

void install_sigprof_router() {
  struct sigaction router = {};
  router.sa_sigaction = route;
  router.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigemptyset(&router.sa_mask);
  sigaction(SIGPROF, &router, nullptr);
}

// PHP's request startup installs PHP's handler for a moment (until
// install_sigprof_router() runs), when no PHP timer is armed: what reaches it
// is a profiler sample. The router goes back at once, so a second sample
// cannot reach PHP's handler, which would _exit(124); the "timed out" flag
// PHP sets next is cleared before the script runs.
void on_php_timeout_signal(int) { install_sigprof_router(); }

}  // namespace ephpm
