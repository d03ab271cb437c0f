#include "http/request_journal.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "http/raw_headers.h"

namespace ephpm {
namespace {

constexpr size_t kHeaderBytes = 64;
constexpr size_t kSlotHeaderBytes = 16;

size_t file_bytes() { return kHeaderBytes + static_cast<size_t>(RequestJournal::kSlots) * RequestJournal::kSlotBytes; }

std::atomic<uint64_t>* id_at(char* where) { return reinterpret_cast<std::atomic<uint64_t>*>(where); }

bool framing_header(const char* name, size_t length) {
  return (length == 14 && strncasecmp(name, "content-length", 14) == 0) ||
         (length == 17 && strncasecmp(name, "transfer-encoding", 17) == 0) ||
         (length == 6 && strncasecmp(name, "expect", 6) == 0);
}

bool sends_length(const Request& request) {
  return !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
}

// Appends to a fixed buffer; `fits` turns false once something did not fit (the request is then not recorded).
struct Writer {
  char* at;
  char* end;
  bool fits = true;
  void add(const char* data, size_t length) {
    if (!fits || static_cast<size_t>(end - at) < length) {
      fits = false;
      return;
    }
    std::memcpy(at, data, length);
    at += length;
  }
  void add(const std::string& text) { add(text.data(), text.size()); }
};

// Writes the request as another worker's HTTP/1.1 parser takes it: the request line, the headers as received but
// their framing, the body (it arrived whole: PHP is only given complete requests) with its own length.
template <typename Sink>
void write_request(const Request& request, Sink& out) {
  out.add(request.method);
  out.add(" ", 1);
  out.add(request.uri);
  out.add(" ", 1);
  out.add(request.protocol);
  out.add("\r\n", 2);
  for_each_raw_header(request.raw_headers, [&out](std::string_view name, std::string_view value) {
    if (framing_header(name.data(), name.size())) return;
    out.add(name.data(), name.size());
    out.add(": ", 2);
    out.add(value.data(), value.size());
    out.add("\r\n", 2);
  });
  if (sends_length(request)) {
    std::string length = "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    out.add(length);
  }
  out.add("\r\n", 2);
  out.add(request.body);
}

}  // namespace

bool RequestJournal::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool sized = ftruncate(fd, static_cast<off_t>(file_bytes())) == 0;
  void* mapped = sized ? mmap(nullptr, file_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (mapped == MAP_FAILED) return false;
  base_ = static_cast<char*>(mapped);
  uint32_t header[3] = {kMagic, kSlots, kSlotBytes};
  std::memcpy(base_, header, sizeof header);
  return true;
}

char* RequestJournal::slot_at(size_t index) const {
  return base_ + kHeaderBytes + index * static_cast<size_t>(kSlotBytes);
}

void RequestJournal::record(const Request& request) {
  if (!base_ || request.connection == 0) return;
  if (!request.body_file.empty() || request.post_form == PostForm::Multipart) return;
  // Free: empty, or started before the request PHP took last (that one's slot tells the supervisor its connection).
  uint64_t taken = id_at(base_ + 16)->load(std::memory_order_acquire);
  size_t index = 0;
  while (index < kSlots && slot_ids_[index] != 0 && slot_ids_[index] >= taken) index++;
  if (index == kSlots) return;
  char* at = slot_at(index);
  id_at(at)->store(0, std::memory_order_relaxed);
  slot_ids_[index] = 0;
  Writer out{at + kSlotHeaderBytes, at + kSlotBytes};
  write_request(request, out);
  if (!out.fits) return;
  uint32_t meta[2] = {request.connection, static_cast<uint32_t>(out.at - (at + kSlotHeaderBytes))};
  std::memcpy(at + 8, meta, sizeof meta);
  id_at(at)->store(request.id, std::memory_order_release);
  slot_ids_[index] = request.id;
}

void RequestJournal::taken(uint64_t id) {
  if (!base_) return;
  id_at(base_ + 16)->store(id, std::memory_order_release);
  id_at(base_ + 24)->store(id, std::memory_order_release);
}

void RequestJournal::running_unqueued(uint64_t id) {
  if (base_) id_at(base_ + 24)->store(id, std::memory_order_release);
}

void RequestJournal::forget(uint64_t id) {
  if (!base_) return;
  for (size_t index = 0; index < kSlots; index++) {
    if (slot_ids_[index] != id) continue;
    id_at(slot_at(index))->store(0, std::memory_order_release);
    slot_ids_[index] = 0;
    return;
  }
}

}  // namespace ephpm
