// Cluster mode: a node's replication state in one POSIX shared-memory segment of its own, beside the tables'
// (docs/ARCHITECTURE.md, "Cluster mode"): the outbox every PHP thread appends its replicated writes to, the
// node's hybrid logical clock, and, per table stripe, the last write appended, so that the supervisor never
// overwrites a local write with a remote row before it has taken that write out of the outbox.
// No PHP and no Node-API in here: strong_php.cc and node/cluster_napi.cc are the faces.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tables/shared_table.h"

namespace ephpm::cluster {

// What one outbox record is (src/runtime/cluster/outbox-records.ts reads them; a unit test keeps both in step).
enum class RecordKind : uint8_t { Set = 1, AddInt = 2, AddFloat = 3, Del = 4 };
constexpr size_t kRecordHead = 24;  // u32 length, u8 kind, u8 key length, u16 table, u64 seq, u64 stamp; then the key

struct OutboxHeader;

struct OutboxCounts {
  uint64_t appended;  // records appended since the segment was made
  uint64_t dropped;   // records not appended because the outbox was full
  uint64_t pending;   // bytes appended and not drained yet
  uint64_t capacity;  // bytes the outbox holds
};

class Outbox {
 public:
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // The supervisor makes it (O_EXCL) and holds its owner lock for as long as it lives.
  static std::unique_ptr<Outbox> create(const std::string& name, const std::vector<bool>& replicated, uint64_t capacity,
                                        std::string& error);
  static std::unique_ptr<Outbox> open(const std::string& name, std::string& error);
  static bool remove(const std::string& name);
  // Removes "/dev/shm/<prefix>*" segments whose supervisor is gone (its owner lock died with it).
  static std::vector<std::string> sweep(const std::string& prefix);

  // A PHP thread, under the row's stripe lock: the write as a record, or counted as dropped when full.
  void append(const tables::Table& table, uint32_t table_index, uint32_t stripe, const tables::Write& write);
  // The supervisor: whole records, at most `max_bytes` (at least one), out of the outbox into `out`.
  void drain(size_t max_bytes, std::vector<char>& out);
  // A write under this stripe was appended and not drained yet.
  bool undrained(uint32_t table_index, uint32_t stripe) const;
  bool replicated(uint32_t table_index) const;
  // The hybrid logical clock: (milliseconds << 16) + a counter; tick() for a new write, observe() for a seen one.
  uint64_t tick();
  void observe(uint64_t stamp);
  OutboxCounts counts();

 private:
  Outbox(void* base, size_t size) : base_(base), size_(size) {}
  OutboxHeader* header() const { return static_cast<OutboxHeader*>(base_); }
  void ring_write(uint64_t at, const char* from, size_t n);
  void ring_read(uint64_t at, char* to, size_t n) const;
  void* base_;
  size_t size_;
};

// How this process takes part: the supervisor applies remote rows (writes refused while a local write of the
// same stripe waits in the outbox); a worker's writes go into the outbox.
enum class Role { Applier, Writer };
void install(std::unique_ptr<Outbox> outbox, Role role);
Outbox* outbox();

// What strong() connects to, in a worker (set with install()).
struct Link {
  std::string redis;  // the redis:// URL
  std::string node;   // this node's id
};
Link& link();

}  // namespace ephpm::cluster
