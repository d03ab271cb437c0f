// Shared-memory tables (Swoole/Octane tables): fixed-size rows in one POSIX
// shared-memory segment per server, which every worker process maps. No PHP
// and no Node-API in here: table_php.cc and table_napi.cc are the two faces.
// Layout, locking and crash recovery: docs/ARCHITECTURE.md ("Shared tables").
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ephpm::tables {

enum class ColumnType : uint32_t { Int = 1, Float = 2, String = 3 };

constexpr size_t kMaxKeyBytes = 63;   // Swoole's limit too
constexpr size_t kMaxNameBytes = 63;  // table and column names
constexpr size_t kMaxColumns = 64;

struct ColumnSpec {
  std::string name;
  ColumnType type;
  uint32_t size;  // bytes for strings; 8 for int and float
};

struct TableSpec {
  std::string name;
  uint32_t rows;
  std::vector<ColumnSpec> columns;
};

// ---- what lives in shared memory (plain data; same binary in every process) ----

struct ColumnInfo {
  char name[kMaxNameBytes + 1];
  ColumnType type;
  uint32_t size;
  uint32_t offset;  // inside the row's value area
  uint32_t reserved;
};

enum class JournalOp : uint32_t { None = 0, RowUndo = 1, Insert = 2, Delete = 3 };

// One lock stripe: a process-shared robust mutex plus the undo record of the
// one operation its holder may be in the middle of.
struct alignas(64) Stripe {
  pthread_mutex_t mutex;
  std::atomic<uint32_t> journal_op;
  uint32_t journal_slot;
  uint32_t journal_bucket;
  uint64_t journal_mask;  // RowUndo: the columns saved in the undo area
};

struct RowHead {
  uint32_t next;  // next slot in the bucket's chain, plus one; 0 ends it
  uint32_t key_len;
  uint64_t hash;
  char key[kMaxKeyBytes + 1];
};

struct TableHeader;

// ---- a table, seen through one process's mapping ----

struct Value {
  bool present = false;
  int64_t i = 0;
  double f = 0;
  const char* s = nullptr;
  size_t len = 0;
};

// Refused: the write observer turned it away (replication, see below); Missing: no such key.
enum class Status { Ok, Full, Refused, Missing };

class Table {
 public:
  explicit Table(TableHeader* header) : h_(header) {}

  const char* name() const;
  uint32_t capacity() const;  // the declared row count
  uint64_t count() const;     // rows in use
  uint64_t memory_bytes() const;
  uint32_t column_count() const;
  const ColumnInfo& column(uint32_t index) const;
  int find_column(const char* name, size_t len) const;  // -1 if none
  uint32_t values_size() const;

  // Copies the row's values (or only column `only`) out under the lock into
  // `values` (values_size() bytes, same layout as a row).
  bool get(const char* key, size_t len, char* values, int only = -1) const;
  bool exists(const char* key, size_t len) const;
  // `values` has column_count() entries; absent ones keep their old value
  // (a new row starts zeroed).
  Status set(const char* key, size_t len, const Value* values);
  // Adds `delta` to an int or float column (creating a zeroed row if needed)
  // and stores the new value in `result`.
  Status add(const char* key, size_t len, uint32_t column, const Value& delta, Value& result);
  bool del(const char* key, size_t len) { return erase(key, len) == Status::Ok; }
  Status erase(const char* key, size_t len);
  // Storage order. Returns false past the end; `cursor` starts at 0.
  bool next(uint32_t& cursor, std::string& key, char* values) const;

  static int64_t read_int(const char* values, const ColumnInfo& column);
  static double read_float(const char* values, const ColumnInfo& column);
  static const char* read_string(const char* values, const ColumnInfo& column, uint32_t& len);

 private:
  TableHeader* h_;
};

// ---- the segment ----

class Segment {
 public:
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Creates the segment (O_EXCL); "" on success, else what went wrong.
  static std::string create(const std::string& name, const std::vector<TableSpec>& specs, size_t& bytes);
  // Maps a segment this user made, after checking every size in its header
  // against the file. `error` on failure: "missing", "incomplete" (being made),
  // "foreign: …" (another owner, or open to others), "corrupt: …", or a system error.
  static std::unique_ptr<Segment> open(const std::string& name, std::string& error);
  static bool remove(const std::string& name);
  // Removes "/dev/shm/<prefix>*" segments whose owner process is gone; foreign
  // and corrupt ones are left alone and listed in `skipped` ("path: why").
  static std::vector<std::string> sweep(const std::string& prefix, std::vector<std::string>& skipped);

  pid_t owner_pid() const;
  bool owner_alive() const;
  size_t bytes() const { return size_; }
  std::vector<Table>& tables() { return tables_; }
  Table* find(const char* name, size_t len);

 private:
  Segment(void* base, size_t size);
  void* base_;
  size_t size_;
  std::vector<Table> tables_;
};

// The segment this worker process mapped for PHP (set once, before the PHP
// thread starts; never unmapped).
std::string attach(const std::string& name);
Segment* attached();

// ---- replication (native/cluster/): every write, seen under its row's stripe lock ----

enum class WriteKind : uint8_t { Set = 1, Add = 2, Del = 3 };

struct Write {
  WriteKind kind;
  const char* key;
  size_t len;
  const Value* values;  // Set: column_count() entries, the present ones written
  uint32_t column;      // Add: the column, and the step added to it
  const Value* delta;
};

class WriteObserver {
 public:
  virtual ~WriteObserver() = default;
  // Before a write, holding the stripe's lock: false refuses it (Status::Refused).
  virtual bool admit(const Table& table, uint32_t stripe) = 0;
  // After the write, still holding the lock.
  virtual void written(const Table& table, uint32_t stripe, const Write& write) = 0;
};

// Set once per process before any write (null: nothing watches, as without [cluster]).
extern WriteObserver* g_write_observer;

// Test hook (see table_php.cc): called once in the middle of the next row
// write, after the first column was written and before the rest.
extern void (*g_mid_write_hook)(const Table& table, const char* key, size_t len);

}  // namespace ephpm::tables
