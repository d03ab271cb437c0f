#include "http/spill_file.h"

#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>

namespace ephpm {
namespace {

// Written before the PHP thread starts; never freed (like the status texts).
size_t g_memory_bytes = 1024 * 1024;
auto* g_dir = new std::string("/tmp");

int unnamed_file() {
  int fd = open(g_dir->c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  // A file system without O_TMPFILE: a private name, removed at once.
  std::string path = *g_dir + "/ephpm-response-XXXXXX";
  fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd >= 0) unlink(path.c_str());
  return fd;
}

}  // namespace

void configure_spill(size_t memory_bytes, std::string dir) {
  g_memory_bytes = memory_bytes;
  if (!dir.empty()) *g_dir = std::move(dir);
}

bool should_spill(size_t bytes) { return bytes > g_memory_bytes; }

int spill_to_file(const char* data, size_t size) {
  int fd = unnamed_file();
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < size) {
    ssize_t written = write(fd, data + done, size - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      close(fd);
      return -1;
    }
    done += static_cast<size_t>(written);
  }
  return fd;
}

void return_large_blocks() { mallopt(M_MMAP_THRESHOLD, 1024 * 1024); }

}  // namespace ephpm
