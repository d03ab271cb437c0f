// The PHP zygote. A Node process started with this addon preloaded (LD_PRELOAD) and EPHPM_ZYGOTE_LISTEN set
// runs PHP's module startup before Node's main, then forks every worker a proxy (native/worker-proxy/) asks for:
// each child goes on into Node's main as that worker. Forked after OPcache made its shared memory, the workers
// share one OPcache, as php-fpm's children do (docs/ARCHITECTURE.md, "Memory per worker").
#pragma once

#include <string>
#include <vector>

namespace ephpm {

// What a worker forked by the zygote inherits: PHP's module startup already ran, with these settings.
struct ZygoteInheritance {
  bool started = false;
  std::string script;
  std::string ini;
  std::vector<std::string> startup_log;  // what PHP logged during module startup, for each worker to log again
};

const ZygoteInheritance& zygote_inheritance();

}  // namespace ephpm
