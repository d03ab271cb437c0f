#include "php/std_streams.h"

#include "php/php_includes.h"

namespace ephpm {

// Under a SAPI named "cli" (ours, for OPcache), ext/standard's php:// wrapper
// gives the first php://stdout opened in the process the process's own stdout
// (descriptor 1) and every later one a dup(). A script's fclose() of that
// first stream (Laravel's dumper does it) would close descriptor 1 under Node:
// its log would vanish, the number could go to a client socket, and a
// re-booting script could no longer open php://stdout. So ephpm takes the
// first of each stream itself, marked PHP_STREAM_FLAG_NO_CLOSE, and frees it:
// the descriptor stays open and every stream a script gets is a dup.
void keep_standard_descriptors() {
  const char* streams[][2] = {{"php://stdin", "rb"}, {"php://stdout", "wb"}, {"php://stderr", "wb"}};
  for (const auto& stream : streams) {
    php_stream* first = php_stream_open_wrapper_ex(stream[0], stream[1], 0, nullptr, nullptr);
    if (!first) continue;
    first->flags |= PHP_STREAM_FLAG_NO_CLOSE;
    php_stream_close(first);
  }
}

}  // namespace ephpm
