// Complete responses too large to keep in memory while a slow client reads
// them: the bytes go to an unnamed temp file that Node streams to the socket
// with back-pressure (src/runtime/http/spilled-body.ts), the way nginx buffers
// an upstream's response to disk.
#pragma once

#include <cstddef>
#include <string>

namespace ephpm {

// Set once at start: bodies over `memory_bytes` are spilled into `dir`.
void configure_spill(size_t memory_bytes, std::string dir);
bool should_spill(size_t bytes);

// Writes `size` bytes to a new temp file that has no name (O_TMPFILE, or
// unlinked at once): no one else can open it and it vanishes with its last
// descriptor. The descriptor, or -1 when the file could not be written (the
// caller keeps the bytes in memory).
int spill_to_file(const char* data, size_t size);

// Blocks of 1 MiB and more (a large body, PHP's copy of it, Node's buffer for
// it) are mapped on their own and given back to the system when freed. By
// default glibc raises that threshold after each such free, up to 32 MiB, and
// keeps what is freed below it in its heaps: after a few large responses a
// worker's RSS would stay tens of MB higher for good.
void return_large_blocks();

}  // namespace ephpm
