#include "cluster/outbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace ephpm::cluster {

constexpr uint64_t kMagic = 0x314254554f4d5045ULL;  // "EPMOUTB1"
constexpr uint32_t kVersion = 1;
constexpr uint32_t kStripes = 64;  // the most stripes a table has (shared_table_layout.h kMaxStripes)

struct OutboxHeader {
  std::atomic<uint64_t> magic;  // written last: a segment without it is still being made
  uint32_t version;
  uint32_t tables;
  uint64_t bytes;
  uint64_t capacity;
  uint64_t off_flags, off_stripes, off_ring;
  pthread_mutex_t owner;  // held by the supervisor for its whole life: robust, so its death shows
  pthread_mutex_t lock;   // guards the ring (next_seq, head, tail)
  std::atomic<uint64_t> clock;
  uint64_t next_seq;
  uint64_t head;                      // bytes ever appended
  uint64_t tail;                      // bytes ever drained
  std::atomic<uint64_t> drained_seq;  // every record up to this one has been drained
  std::atomic<uint64_t> appended;
  std::atomic<uint64_t> dropped;
};

namespace {

uint64_t align(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

std::string shm_path(const std::string& name) { return "/dev/shm" + name; }

// Locks a robust mutex; a holder that died mid-way left nothing half-done (head and tail move last).
class RobustLock {
 public:
  explicit RobustLock(pthread_mutex_t* mutex) : mutex_(mutex) {
    int result = pthread_mutex_lock(mutex_);
    if (result == EOWNERDEAD) {
      pthread_mutex_consistent(mutex_);
    } else if (result != 0) {
      fprintf(stderr, "ephpm: the cluster outbox lock is unusable (%s)\n", strerror(result));
      abort();
    }
  }
  ~RobustLock() { pthread_mutex_unlock(mutex_); }
  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;

 private:
  pthread_mutex_t* mutex_;
};

void init_robust(pthread_mutex_t* mutex) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(mutex, &attributes);
  pthread_mutexattr_destroy(&attributes);
}

template <typename T>
void put(std::vector<char>& out, T value) {
  const char* bytes = reinterpret_cast<const char*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

uint64_t wall_clock() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  return static_cast<uint64_t>(ms) << 16;
}

// Maps a segment file and checks it was made by create(); the caller closes fd.
void* map_checked(int fd, size_t& size, std::string& error) {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_uid != geteuid() || (info.st_mode & 077) != 0) {
    error = "foreign";
    return nullptr;
  }
  size = static_cast<size_t>(info.st_size);
  if (size < sizeof(OutboxHeader)) {
    error = "incomplete";
    return nullptr;
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    error = std::string("cannot map it: ") + strerror(errno);
    return nullptr;
  }
  auto* h = static_cast<OutboxHeader*>(base);
  if (h->magic.load(std::memory_order_acquire) != kMagic || h->version != kVersion || h->bytes != size ||
      h->off_ring + h->capacity != size || h->off_stripes + uint64_t(h->tables) * kStripes * 8 > h->off_ring) {
    munmap(base, size);
    error = "incomplete";
    return nullptr;
  }
  return base;
}

}  // namespace

// ---- the segment ----

Outbox::~Outbox() { munmap(base_, size_); }

std::unique_ptr<Outbox> Outbox::create(const std::string& name, const std::vector<bool>& replicated, uint64_t capacity,
                                       std::string& error) {
  uint64_t off_flags = align(sizeof(OutboxHeader), 64);
  uint64_t off_stripes = align(off_flags + replicated.size(), 64);
  uint64_t off_ring = align(off_stripes + replicated.size() * kStripes * 8, 64);
  uint64_t total = off_ring + capacity;

  int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    error = "cannot create the shared memory " + shm_path(name) + ": " + strerror(errno);
    return nullptr;
  }
  fchmod(fd, 0600);
  int reserved = posix_fallocate(fd, 0, static_cast<off_t>(total));
  void* base = reserved == 0 ? mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  close(fd);
  if (base == MAP_FAILED) {
    shm_unlink(name.c_str());
    error = "cannot reserve " + std::to_string(total / 1048576 + 1) + " MB of shared memory for the cluster outbox (" +
            strerror(reserved != 0 ? reserved : errno) + ")";
    return nullptr;
  }
  auto* h = new (base) OutboxHeader();
  h->version = kVersion;
  h->tables = static_cast<uint32_t>(replicated.size());
  h->bytes = total;
  h->capacity = capacity;
  h->off_flags = off_flags;
  h->off_stripes = off_stripes;
  h->off_ring = off_ring;
  init_robust(&h->owner);
  init_robust(&h->lock);
  for (size_t t = 0; t < replicated.size(); t++) static_cast<char*>(base)[off_flags + t] = replicated[t] ? 1 : 0;
  pthread_mutex_lock(&h->owner);  // never unlocked: the kernel marks it when this process dies
  h->magic.store(kMagic, std::memory_order_release);
  return std::unique_ptr<Outbox>(new Outbox(base, total));
}

std::unique_ptr<Outbox> Outbox::open(const std::string& name, std::string& error) {
  int fd = shm_open(name.c_str(), O_RDWR | O_NOFOLLOW, 0);
  if (fd < 0) {
    error = "cannot open the cluster outbox " + shm_path(name) + ": " + strerror(errno);
    return nullptr;
  }
  size_t size = 0;
  void* base = map_checked(fd, size, error);
  close(fd);
  if (!base) {
    error = "the cluster outbox " + shm_path(name) + " is unusable (" + error + ")";
    return nullptr;
  }
  return std::unique_ptr<Outbox>(new Outbox(base, size));
}

bool Outbox::remove(const std::string& name) { return shm_unlink(name.c_str()) == 0; }

std::vector<std::string> Outbox::sweep(const std::string& prefix) {
  std::vector<std::string> names, removed;
  if (DIR* dir = opendir("/dev/shm")) {
    while (dirent* entry = readdir(dir)) {
      if (strncmp(entry->d_name, prefix.c_str(), prefix.size()) == 0) names.push_back(std::string("/") + entry->d_name);
    }
    closedir(dir);
  }
  for (const auto& name : names) {
    int fd = shm_open(name.c_str(), O_RDWR | O_NOFOLLOW, 0);
    if (fd < 0) continue;
    size_t size = 0;
    std::string error;
    void* base = map_checked(fd, size, error);
    struct stat info {};
    bool old = fstat(fd, &info) == 0 && time(nullptr) - info.st_mtime > 60;
    close(fd);
    if (error == "foreign") continue;  // not this user's: never touched
    bool stale = false;
    if (base) {
      auto* h = static_cast<OutboxHeader*>(base);
      int result = pthread_mutex_trylock(&h->owner);
      if (result == EOWNERDEAD) pthread_mutex_consistent(&h->owner);
      if (result == 0 || result == EOWNERDEAD) pthread_mutex_unlock(&h->owner);
      stale = result == EOWNERDEAD || (result == 0 && old);  // unowned: made by a process that died before locking
      munmap(base, size);
    } else {
      stale = old;  // half-made long ago
    }
    if (stale && shm_unlink(name.c_str()) == 0) removed.push_back(name);
  }
  return removed;
}

// ---- the ring ----

void Outbox::ring_write(uint64_t at, const char* from, size_t n) {
  char* ring = static_cast<char*>(base_) + header()->off_ring;
  uint64_t capacity = header()->capacity;
  size_t offset = static_cast<size_t>(at % capacity);
  size_t first = n < capacity - offset ? n : static_cast<size_t>(capacity - offset);
  memcpy(ring + offset, from, first);
  memcpy(ring, from + first, n - first);
}

void Outbox::ring_read(uint64_t at, char* to, size_t n) const {
  const char* ring = static_cast<const char*>(base_) + header()->off_ring;
  uint64_t capacity = header()->capacity;
  size_t offset = static_cast<size_t>(at % capacity);
  size_t first = n < capacity - offset ? n : static_cast<size_t>(capacity - offset);
  memcpy(to, ring + offset, first);
  memcpy(to + first, ring, n - first);
}

bool Outbox::replicated(uint32_t table_index) const {
  return table_index < header()->tables && static_cast<const char*>(base_)[header()->off_flags + table_index] != 0;
}

namespace {

std::atomic<uint64_t>& stripe_seq(void* base, const OutboxHeader* h, uint32_t table_index, uint32_t stripe) {
  return reinterpret_cast<std::atomic<uint64_t>*>(
      static_cast<char*>(base) + h->off_stripes)[uint64_t(table_index) * kStripes + (stripe % kStripes)];
}

// The record's payload after its key (see RecordKind and outbox-records.ts).
void encode_payload(std::vector<char>& record, const tables::Table& table, const tables::Write& write) {
  using tables::ColumnType;
  if (write.kind == tables::WriteKind::Add) {
    put<uint16_t>(record, static_cast<uint16_t>(write.column));
    if (table.column(write.column).type == ColumnType::Int) put<int64_t>(record, write.delta->i);
    else put<double>(record, write.delta->f);
    return;
  }
  if (write.kind != tables::WriteKind::Set) return;
  uint64_t mask = 0;
  for (uint32_t c = 0; c < table.column_count(); c++) {
    if (write.values[c].present) mask |= 1ULL << c;
  }
  put<uint64_t>(record, mask);
  for (uint32_t c = 0; c < table.column_count(); c++) {
    const tables::Value& value = write.values[c];
    if (!value.present) continue;
    ColumnType type = table.column(c).type;
    if (type == ColumnType::Int) {
      put<int64_t>(record, value.i);
    } else if (type == ColumnType::Float) {
      put<double>(record, value.f);
    } else {
      put<uint32_t>(record, static_cast<uint32_t>(value.len));
      record.insert(record.end(), value.s, value.s + value.len);
    }
  }
}

RecordKind kind_of(const tables::Table& table, const tables::Write& write) {
  if (write.kind == tables::WriteKind::Set) return RecordKind::Set;
  if (write.kind == tables::WriteKind::Del) return RecordKind::Del;
  return table.column(write.column).type == tables::ColumnType::Int ? RecordKind::AddInt : RecordKind::AddFloat;
}

}  // namespace

void Outbox::append(const tables::Table& table, uint32_t table_index, uint32_t stripe, const tables::Write& write) {
  thread_local std::vector<char> record;
  record.clear();
  put<uint32_t>(record, 0);  // the length, once known
  put<uint8_t>(record, static_cast<uint8_t>(kind_of(table, write)));
  put<uint8_t>(record, static_cast<uint8_t>(write.len));
  put<uint16_t>(record, static_cast<uint16_t>(table_index));
  put<uint64_t>(record, 0);  // the seq, given under the lock
  put<uint64_t>(record, tick());
  record.insert(record.end(), write.key, write.key + write.len);
  encode_payload(record, table, write);
  uint32_t length = static_cast<uint32_t>(record.size());
  memcpy(record.data(), &length, 4);

  OutboxHeader* h = header();
  RobustLock lock(&h->lock);
  if (h->head - h->tail + length > h->capacity) {
    h->dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  uint64_t seq = ++h->next_seq;
  memcpy(record.data() + 8, &seq, 8);
  ring_write(h->head, record.data(), length);
  h->head += length;
  h->appended.fetch_add(1, std::memory_order_relaxed);
  stripe_seq(base_, h, table_index, stripe).store(seq, std::memory_order_release);
}

void Outbox::drain(size_t max_bytes, std::vector<char>& out) {
  OutboxHeader* h = header();
  RobustLock lock(&h->lock);
  uint64_t end = h->tail;
  uint64_t last_seq = h->drained_seq.load(std::memory_order_relaxed);
  while (end < h->head) {
    char head[kRecordHead];
    ring_read(end, head, kRecordHead);
    uint32_t length;
    memcpy(&length, head, 4);
    if (end > h->tail && end - h->tail + length > max_bytes) break;
    memcpy(&last_seq, head + 8, 8);
    end += length;
  }
  out.resize(static_cast<size_t>(end - h->tail));
  ring_read(h->tail, out.data(), out.size());
  h->tail = end;
  h->drained_seq.store(last_seq, std::memory_order_release);
}

bool Outbox::undrained(uint32_t table_index, uint32_t stripe) const {
  return stripe_seq(base_, header(), table_index, stripe).load(std::memory_order_acquire) >
         header()->drained_seq.load(std::memory_order_acquire);
}

uint64_t Outbox::tick() {
  uint64_t now = wall_clock();
  uint64_t last = header()->clock.load(std::memory_order_relaxed);
  for (;;) {
    uint64_t next = now > last ? now : last + 1;
    if (header()->clock.compare_exchange_weak(last, next, std::memory_order_relaxed)) return next;
  }
}

void Outbox::observe(uint64_t stamp) {
  uint64_t last = header()->clock.load(std::memory_order_relaxed);
  while (stamp > last && !header()->clock.compare_exchange_weak(last, stamp, std::memory_order_relaxed)) {
  }
}

OutboxCounts Outbox::counts() {
  OutboxHeader* h = header();
  RobustLock lock(&h->lock);
  return {h->appended.load(), h->dropped.load(), h->head - h->tail, h->capacity};
}

// ---- this process ----

namespace {

class Observer final : public tables::WriteObserver {
 public:
  Observer(std::unique_ptr<Outbox> outbox, Role role) : outbox_(std::move(outbox)), role_(role) {}
  bool admit(const tables::Table& table, uint32_t stripe) override {
    return role_ == Role::Writer || !outbox_->undrained(index_of(table), stripe);
  }
  void written(const tables::Table& table, uint32_t stripe, const tables::Write& write) override {
    if (role_ == Role::Applier) return;  // a remote row applied here is never sent back out
    uint32_t index = index_of(table);
    if (outbox_->replicated(index)) outbox_->append(table, index, stripe, write);
  }
  Outbox* outbox() { return outbox_.get(); }

 private:
  // Tables are written through the attached segment's list (table_php.cc, cluster_napi.cc).
  static uint32_t index_of(const tables::Table& table) {
    return static_cast<uint32_t>(&table - tables::attached()->tables().data());
  }
  std::unique_ptr<Outbox> outbox_;
  Role role_;
};

Observer* g_observer = nullptr;  // never freed: PHP may write until the process exits

}  // namespace

void install(std::unique_ptr<Outbox> outbox, Role role) {
  if (g_observer) return;
  g_observer = new Observer(std::move(outbox), role);
  tables::g_write_observer = g_observer;
}

Outbox* outbox() { return g_observer ? g_observer->outbox() : nullptr; }

Link& link() {
  static Link settings;
  return settings;
}

}  // namespace ephpm::cluster
