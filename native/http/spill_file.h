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

}  // namespace ephpm
