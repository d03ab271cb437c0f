#include "tables/shared_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "tables/shared_table_layout.h"

namespace ephpm::tables {

namespace {

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks.
uint64_t process_start(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; i++) {
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

// Fresh shared memory is zero-filled: empty buckets, free slots, zero counts.
void init_table(char* at, const TableSpec& spec, const Layout& layout) {
  auto* h = new (at) TableHeader();
  snprintf(h->name, sizeof(h->name), "%s", spec.name.c_str());
  plan_table(*h, spec, layout);
  memcpy(at + h->off_columns, layout.columns.data(), sizeof(ColumnInfo) * layout.columns.size());
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
  auto* stripes = reinterpret_cast<Stripe*>(at + h->off_stripes);
  for (uint32_t i = 0; i < h->stripes; i++) {
    auto* stripe = new (&stripes[i]) Stripe();
    pthread_mutex_init(&stripe->mutex, &attributes);
  }
  pthread_mutexattr_destroy(&attributes);
}

std::string shm_path(const std::string& name) { return "/dev/shm" + name; }

}  // namespace

// ---- Segment ----

Segment::Segment(void* base, size_t size) : base_(base), size_(size) {
  auto* header = static_cast<SegmentHeader*>(base_);
  uint64_t offset = align(sizeof(SegmentHeader), 64);
  for (uint32_t i = 0; i < header->table_count; i++) {
    auto* table = reinterpret_cast<TableHeader*>(static_cast<char*>(base_) + offset);
    tables_.emplace_back(table);
    offset += table->bytes;
  }
}

Segment::~Segment() { munmap(base_, size_); }

std::string Segment::create(const std::string& name, const std::vector<TableSpec>& specs, size_t& bytes) {
  std::vector<Layout> layouts;
  uint64_t total = align(sizeof(SegmentHeader), 64);
  for (const auto& spec : specs) {
    layouts.push_back(layout_of(spec));
    TableHeader plan{};
    total += plan_table(plan, spec, layouts.back());
  }
  bytes = total;

  // The name is unpredictable (see tables.ts), so O_EXCL failing means
  // something is wrong; nothing found under it is ever removed or trusted.
  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return "cannot create the shared memory " + shm_path(name) + ": " + strerror(errno);
  fchmod(fd, 0600);  // whatever the umask

  int reserved = posix_fallocate(fd, 0, static_cast<off_t>(total));
  if (reserved != 0) {
    close(fd);
    shm_unlink(name.c_str());
    struct statvfs fs {};
    std::string free_space = statvfs("/dev/shm", &fs) == 0
                                 ? std::to_string(uint64_t(fs.f_bavail) * fs.f_frsize / 1048576) + " MB"
                                 : "unknown";
    return "cannot reserve " + std::to_string(total / 1048576 + 1) + " MB of shared memory for the tables (" +
           strerror(reserved) + "; /dev/shm has " + free_space + " free)";
  }
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    shm_unlink(name.c_str());
    return std::string("cannot map the tables' shared memory: ") + strerror(errno);
  }

  auto* header = new (base) SegmentHeader();
  header->layout_version = kLayoutVersion;
  header->table_count = static_cast<uint32_t>(specs.size());
  header->bytes = total;
  header->owner_pid = getpid();
  header->owner_start = process_start(getpid());
  char* at = static_cast<char*>(base) + align(sizeof(SegmentHeader), 64);
  for (size_t i = 0; i < specs.size(); i++) {
    init_table(at, specs[i], layouts[i]);
    at += reinterpret_cast<TableHeader*>(at)->bytes;
  }
  header->magic.store(kMagic, std::memory_order_release);
  munmap(base, total);
  return "";
}

std::unique_ptr<Segment> Segment::open(const std::string& name, std::string& error) {
  int fd = shm_open(name.c_str(), O_RDWR | O_NOFOLLOW, 0);
  if (fd < 0) {
    error = errno == ENOENT ? "missing" : std::string("cannot open ") + shm_path(name) + ": " + strerror(errno);
    return nullptr;
  }
  // Only a segment this user made is ever mapped: /dev/shm is writable by
  // everyone, and anyone may leave a file under an ephpm-<uid>- name.
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != geteuid() || (info.st_mode & 077) != 0) {
    char reason[96];
    snprintf(reason, sizeof reason, "foreign: owned by uid %u with mode %04o", unsigned(info.st_uid),
             unsigned(info.st_mode & 07777));
    close(fd);
    error = reason;
    return nullptr;
  }
  size_t size = static_cast<size_t>(info.st_size);
  if (size < align(sizeof(SegmentHeader), 64)) {
    close(fd);
    error = "incomplete";
    return nullptr;
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (base == MAP_FAILED) {
    error = std::string("cannot map ") + shm_path(name) + ": " + strerror(errno);
    return nullptr;
  }
  auto* header = static_cast<SegmentHeader*>(base);
  if (header->magic.load(std::memory_order_acquire) != kMagic || header->layout_version != kLayoutVersion) {
    munmap(base, size);
    error = "incomplete";
    return nullptr;
  }
  std::string problem = check_segment(static_cast<const char*>(base), size);
  if (!problem.empty()) {
    munmap(base, size);
    error = "corrupt: " + problem;
    return nullptr;
  }
  return std::unique_ptr<Segment>(new Segment(base, size));
}

bool Segment::remove(const std::string& name) { return shm_unlink(name.c_str()) == 0; }

std::vector<std::string> Segment::sweep(const std::string& prefix, std::vector<std::string>& skipped) {
  std::vector<std::string> removed;
  DIR* dir = opendir("/dev/shm");
  if (!dir) return removed;
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir)) {
    if (strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0) names.push_back(std::string("/") + entry->d_name);
  }
  closedir(dir);
  for (const auto& name : names) {
    std::string error;
    auto segment = open(name, error);
    bool stale;
    if (segment) {
      stale = !segment->owner_alive();
    } else if (error.rfind("foreign", 0) == 0 || error.rfind("corrupt", 0) == 0) {
      // Not ours, or ours but never made by create(): left alone, reported.
      skipped.push_back(shm_path(name) + ": " + error);
      continue;
    } else {
      // Still being made by a live server, or abandoned half-made long ago.
      struct stat info {};
      stale = error == "incomplete" && stat(shm_path(name).c_str(), &info) == 0 && time(nullptr) - info.st_mtime > 60;
    }
    segment.reset();
    if (stale && shm_unlink(name.c_str()) == 0) removed.push_back(name);
  }
  return removed;
}

pid_t Segment::owner_pid() const { return static_cast<SegmentHeader*>(base_)->owner_pid; }

bool Segment::owner_alive() const {
  auto* header = static_cast<SegmentHeader*>(base_);
  if (kill(header->owner_pid, 0) != 0 && errno == ESRCH) return false;
  return process_start(header->owner_pid) == header->owner_start;
}

Table* Segment::find(const char* name, size_t len) {
  for (auto& table : tables_) {
    if (strlen(table.name()) == len && memcmp(table.name(), name, len) == 0) return &table;
  }
  return nullptr;
}

namespace {
Segment* g_attached = nullptr;  // never unmapped: PHP may use it until the process exits
}

std::string attach(const std::string& name) {
  if (g_attached) return "";
  std::string error;
  auto segment = Segment::open(name, error);
  if (!segment)
    return "the tables' shared memory " + shm_path(name) +
           (error == "missing" ? " does not exist" : " cannot be used (" + error + ")");
  g_attached = segment.release();
  return "";
}

Segment* attached() { return g_attached; }

}  // namespace ephpm::tables
