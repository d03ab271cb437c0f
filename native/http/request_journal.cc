#include "http/request_journal.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace ephpm {
namespace {

constexpr size_t kHeaderBytes = 64;
constexpr size_t kSlotHeaderBytes = 16;

size_t file_bytes() { return kHeaderBytes + static_cast<size_t>(RequestJournal::kSlots) * RequestJournal::kSlotBytes; }

std::atomic<uint64_t>* id_at(char* where) { return reinterpret_cast<std::atomic<uint64_t>*>(where); }

bool framing_header(const std::string& name) {
  return strcasecmp(name.c_str(), "content-length") == 0 || strcasecmp(name.c_str(), "transfer-encoding") == 0 ||
         strcasecmp(name.c_str(), "expect") == 0;
}

}  // namespace

std::string request_bytes(const Request& request) {
  if (!request.body_file.empty() || request.post_form == PostForm::Multipart) return "";
  std::string bytes = request.method + " " + request.uri + " " + request.protocol + "\r\n";
  size_t position = 0;
  const std::string& raw = request.raw_headers;
  while (position < raw.size()) {
    size_t name_end = raw.find('\n', position);
    if (name_end == std::string::npos) break;
    size_t value_end = raw.find('\n', name_end + 1);
    if (value_end == std::string::npos) value_end = raw.size();
    std::string name = raw.substr(position, name_end - position);
    if (!framing_header(name)) bytes += name + ": " + raw.substr(name_end + 1, value_end - name_end - 1) + "\r\n";
    position = value_end + 1;
  }
  // The body arrived whole (PHP is only given complete requests): it goes with its own length.
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    bytes += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  bytes += "\r\n";
  bytes += request.body;
  return bytes;
}

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

char* RequestJournal::slot(uint64_t id) const { return base_ + kHeaderBytes + (id % kSlots) * static_cast<size_t>(kSlotBytes); }

void RequestJournal::record(const Request& request) {
  if (!base_ || request.connection == 0) return;
  char* at = slot(request.id);
  id_at(at)->store(0, std::memory_order_relaxed);  // the slot's earlier request is long finished
  std::string bytes = request_bytes(request);
  if (bytes.empty() || bytes.size() > kSlotBytes - kSlotHeaderBytes) return;
  uint32_t meta[2] = {request.connection, static_cast<uint32_t>(bytes.size())};
  std::memcpy(at + 8, meta, sizeof meta);
  std::memcpy(at + kSlotHeaderBytes, bytes.data(), bytes.size());
  id_at(at)->store(request.id, std::memory_order_release);
}

void RequestJournal::taken(uint64_t id) {
  if (base_) id_at(base_ + 16)->store(id, std::memory_order_release);
}

void RequestJournal::forget(uint64_t id) {
  if (!base_) return;
  uint64_t expected = id;
  id_at(slot(id))->compare_exchange_strong(expected, 0);
}

}  // namespace ephpm
