#include "tables/shared_table.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tables/shared_table_layout.h"

namespace ephpm::tables {

void (*g_mid_write_hook)(const Table& table, const char* key, size_t len) = nullptr;
WriteObserver* g_write_observer = nullptr;

namespace {

// FNV-1a with a final mix, so the low bits (bucket and stripe) are well spread.
uint64_t hash_key(const char* key, size_t len) {
  uint64_t hash = 1469598103934665603ULL;
  for (size_t i = 0; i < len; i++) hash = (hash ^ static_cast<unsigned char>(key[i])) * 1099511628211ULL;
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdULL;
  hash ^= hash >> 33;
  return hash;
}

}  // namespace

// ---- table internals ----

namespace {

struct View {
  TableHeader* h;
  char* base() const { return reinterpret_cast<char*>(h); }
  ColumnInfo* columns() const { return reinterpret_cast<ColumnInfo*>(base() + h->off_columns); }
  Stripe& stripe(uint32_t s) const { return reinterpret_cast<Stripe*>(base() + h->off_stripes)[s]; }
  std::atomic<uint32_t>& count(uint32_t s) const {
    return reinterpret_cast<std::atomic<uint32_t>*>(base() + h->off_counts)[s];
  }
  uint32_t* bucket(uint32_t b) const { return reinterpret_cast<uint32_t*>(base() + h->off_buckets) + b; }
  std::atomic<uint32_t>& state(uint32_t slot) const {
    return reinterpret_cast<std::atomic<uint32_t>*>(base() + h->off_states)[slot];
  }
  char* undo(uint32_t s) const { return base() + h->off_undo + uint64_t(h->values_size) * s; }
  RowHead* row(uint32_t slot) const {
    return reinterpret_cast<RowHead*>(base() + h->off_rows + uint64_t(h->row_stride) * slot);
  }
  static char* values(RowHead* row) { return reinterpret_cast<char*>(row) + sizeof(RowHead); }

  uint32_t load(uint32_t* link) const { return __atomic_load_n(link, __ATOMIC_ACQUIRE); }
  void publish(uint32_t* link, uint32_t value) const { __atomic_store_n(link, value, __ATOMIC_RELEASE); }

  // The link (bucket head or a row's next) that points at the row, or null.
  uint32_t* find_link(uint32_t b, uint64_t hash, const char* key, size_t len) const {
    uint32_t* link = bucket(b);
    for (uint32_t next = load(link); next != 0; next = load(link)) {
      RowHead* r = row(next - 1);
      if (r->hash == hash && r->key_len == len && memcmp(r->key, key, len) == 0) return link;
      link = &r->next;
    }
    return nullptr;
  }

  bool linked(uint32_t b, uint32_t slot) const {
    for (uint32_t next = load(bucket(b)); next != 0; next = load(&row(next - 1)->next)) {
      if (next - 1 == slot) return true;
    }
    return false;
  }

  uint32_t bytes_of(const ColumnInfo& column, const char* values) const {
    if (column.type != ColumnType::String) return 8;
    uint32_t len;
    memcpy(&len, values + column.offset, 4);
    return 4 + len;
  }

  // Copies what is in use of each column (a string's length and bytes only).
  void copy_values(char* to, const char* from, int only) const {
    for (uint32_t c = 0; c < h->column_count; c++) {
      if (only >= 0 && c != uint32_t(only)) continue;
      const ColumnInfo& column = columns()[c];
      memcpy(to + column.offset, from + column.offset, bytes_of(column, from));
    }
  }

  // The stripe's holder died: put back what it was half-way through.
  void recover(uint32_t s) const {
    Stripe& st = stripe(s);
    auto op = static_cast<JournalOp>(st.journal_op.load(std::memory_order_acquire));
    uint32_t slot = st.journal_slot;
    uint32_t b = st.journal_bucket;
    if (op == JournalOp::RowUndo) {
      const char* saved = undo(s);
      char* values_now = values(row(slot));
      for (uint32_t c = 0; c < h->column_count; c++) {
        if (st.journal_mask & (1ULL << c)) {
          const ColumnInfo& column = columns()[c];
          memcpy(values_now + column.offset, saved + column.offset, bytes_of(column, saved));
        }
      }
    } else if (op == JournalOp::Insert && slot != kNoSlot && state(slot).load() == (kReserved | s)) {
      // Linked means committed: keep it. Otherwise the row was never visible.
      state(slot).store(linked(b, slot) ? (kLive | s) : kFree);
    } else if (op == JournalOp::Delete && state(slot).load() == (kLive | s) && !linked(b, slot)) {
      state(slot).store(kFree);
    }
    // Recount this stripe's rows from its chains.
    uint32_t rows = 0;
    for (uint32_t bucket_index = s; bucket_index < h->buckets; bucket_index += h->stripes) {
      for (uint32_t next = load(bucket(bucket_index)); next != 0; next = load(&row(next - 1)->next)) rows++;
    }
    count(s).store(rows);
    st.journal_op.store(static_cast<uint32_t>(JournalOp::None), std::memory_order_release);
  }

  uint64_t total() const {
    uint64_t sum = 0;
    for (uint32_t s = 0; s < h->stripes; s++) sum += count(s).load(std::memory_order_relaxed);
    return sum;
  }

  // Takes a free slot for stripe s (journalled first), or kNoSlot when full.
  uint32_t reserve(uint32_t s) const {
    if (total() >= h->rows) return kNoSlot;
    Stripe& st = stripe(s);
    uint32_t start = h->cursor.fetch_add(1, std::memory_order_relaxed) % h->rows;
    for (uint32_t i = 0; i < h->rows; i++) {
      uint32_t slot = start + i < h->rows ? start + i : start + i - h->rows;
      uint32_t expected = kFree;
      if (state(slot).load(std::memory_order_relaxed) != kFree) continue;
      __atomic_store_n(&st.journal_slot, slot, __ATOMIC_RELEASE);
      if (state(slot).compare_exchange_strong(expected, kReserved | s)) return slot;
    }
    return kNoSlot;
  }

  void write(char* values, const ColumnInfo& column, const Value& value) const {
    char* at = values + column.offset;
    if (column.type == ColumnType::Int) {
      __atomic_store_n(reinterpret_cast<int64_t*>(at), value.i, __ATOMIC_RELAXED);
    } else if (column.type == ColumnType::Float) {
      int64_t bits;
      memcpy(&bits, &value.f, 8);
      __atomic_store_n(reinterpret_cast<int64_t*>(at), bits, __ATOMIC_RELAXED);
    } else {
      uint32_t len = static_cast<uint32_t>(value.len);
      memcpy(at + 4, value.s, len);
      memcpy(at, &len, 4);
    }
  }
};

}  // namespace

// Holds one stripe's robust mutex; recovers the stripe if its last holder died.
class StripeLock {
 public:
  StripeLock(TableHeader* h, uint32_t s) : view_{h}, stripe_(&view_.stripe(s)) {
    int result = pthread_mutex_lock(&stripe_->mutex);
    if (result == EOWNERDEAD) {
      view_.recover(s);
      pthread_mutex_consistent(&stripe_->mutex);
    } else if (result != 0) {
      // Only possible if someone unlocked after EOWNERDEAD without recovering,
      // which this code never does; carrying on could corrupt the table.
      fprintf(stderr, "ephpm: table %s: lock stripe %u is unusable (%s)\n", h->name, s, strerror(result));
      abort();
    }
  }
  ~StripeLock() { pthread_mutex_unlock(&stripe_->mutex); }
  StripeLock(const StripeLock&) = delete;
  StripeLock& operator=(const StripeLock&) = delete;

 private:
  View view_;
  Stripe* stripe_;
};

// ---- Table ----

const char* Table::name() const { return h_->name; }
uint32_t Table::capacity() const { return h_->rows; }
uint64_t Table::count() const { return View{h_}.total(); }
uint64_t Table::memory_bytes() const { return h_->bytes; }
uint32_t Table::column_count() const { return h_->column_count; }
const ColumnInfo& Table::column(uint32_t index) const { return View{h_}.columns()[index]; }
uint32_t Table::values_size() const { return h_->values_size; }

int Table::find_column(const char* name, size_t len) const {
  const ColumnInfo* columns = View{h_}.columns();
  for (uint32_t c = 0; c < h_->column_count; c++) {
    if (strlen(columns[c].name) == len && memcmp(columns[c].name, name, len) == 0) return static_cast<int>(c);
  }
  return -1;
}

bool Table::get(const char* key, size_t len, char* values, int only) const {
  View view{h_};
  uint64_t hash = hash_key(key, len);
  uint32_t b = static_cast<uint32_t>(hash & (h_->buckets - 1));
  StripeLock lock(h_, b & (h_->stripes - 1));
  uint32_t* link = view.find_link(b, hash, key, len);
  if (!link) return false;
  view.copy_values(values, View::values(view.row(*link - 1)), only);
  return true;
}

bool Table::exists(const char* key, size_t len) const {
  View view{h_};
  uint64_t hash = hash_key(key, len);
  uint32_t b = static_cast<uint32_t>(hash & (h_->buckets - 1));
  StripeLock lock(h_, b & (h_->stripes - 1));
  return view.find_link(b, hash, key, len) != nullptr;
}

namespace {

// Tells the observer (replication) of a write that happened, still under its lock.
Status observed(const Table& table, uint32_t stripe, const Write& write, Status status) {
  if (status == Status::Ok && g_write_observer) g_write_observer->written(table, stripe, write);
  return status;
}

// Reserves and fills a new row for `key`, linked only at the end: until then
// no reader can see it, and recovery frees it.
template <typename Fill>
Status insert(const View& view, uint32_t s, uint32_t b, uint64_t hash, const char* key, size_t len, Fill fill) {
  Stripe& st = view.stripe(s);
  st.journal_bucket = b;
  st.journal_slot = kNoSlot;
  st.journal_op.store(static_cast<uint32_t>(JournalOp::Insert), std::memory_order_release);
  uint32_t slot = view.reserve(s);
  if (slot == kNoSlot) {
    st.journal_op.store(static_cast<uint32_t>(JournalOp::None), std::memory_order_release);
    return Status::Full;
  }
  RowHead* row = view.row(slot);
  row->hash = hash;
  row->key_len = static_cast<uint32_t>(len);
  memcpy(row->key, key, len);
  memset(View::values(row), 0, view.h->values_size);
  fill(View::values(row));
  row->next = view.load(view.bucket(b));
  view.publish(view.bucket(b), slot + 1);  // the commit point
  view.count(s).fetch_add(1, std::memory_order_relaxed);
  view.state(slot).store(kLive | s, std::memory_order_release);
  st.journal_op.store(static_cast<uint32_t>(JournalOp::None), std::memory_order_release);
  return Status::Ok;
}

}  // namespace

Status Table::set(const char* key, size_t len, const Value* values) {
  View view{h_};
  uint64_t hash = hash_key(key, len);
  uint32_t b = static_cast<uint32_t>(hash & (h_->buckets - 1));
  uint32_t s = b & (h_->stripes - 1);
  const ColumnInfo* columns = view.columns();
  auto write_all = [&](char* row_values) {
    bool first = true;
    for (uint32_t c = 0; c < h_->column_count; c++) {
      if (!values[c].present) continue;
      view.write(row_values, columns[c], values[c]);
      if (first && g_mid_write_hook) {
        auto hook = g_mid_write_hook;
        g_mid_write_hook = nullptr;
        hook(*this, key, len);
      }
      first = false;
    }
  };

  StripeLock lock(h_, s);
  if (g_write_observer && !g_write_observer->admit(*this, s)) return Status::Refused;
  const Write write{WriteKind::Set, key, len, values, 0, nullptr};
  uint32_t* link = view.find_link(b, hash, key, len);
  if (!link) return observed(*this, s, write, insert(view, s, b, hash, key, len, write_all));

  RowHead* row = view.row(*link - 1);
  char* row_values = View::values(row);
  // One int or float column is one aligned 8-byte store: it cannot be torn.
  // Anything more is journalled first, so a crash mid-way is rolled back.
  uint64_t mask = 0;
  bool single_word = true;
  for (uint32_t c = 0; c < h_->column_count; c++) {
    if (!values[c].present) continue;
    if (mask != 0 || columns[c].type == ColumnType::String) single_word = false;
    mask |= 1ULL << c;
  }
  Stripe& st = view.stripe(s);
  if (!single_word) {
    char* saved = view.undo(s);
    for (uint32_t c = 0; c < h_->column_count; c++) {
      if (mask & (1ULL << c))
        memcpy(saved + columns[c].offset, row_values + columns[c].offset, view.bytes_of(columns[c], row_values));
    }
    st.journal_mask = mask;
    st.journal_slot = *link - 1;
    st.journal_op.store(static_cast<uint32_t>(JournalOp::RowUndo), std::memory_order_release);
  }
  write_all(row_values);
  if (!single_word) st.journal_op.store(static_cast<uint32_t>(JournalOp::None), std::memory_order_release);
  return observed(*this, s, write, Status::Ok);
}

Status Table::add(const char* key, size_t len, uint32_t column, const Value& delta, Value& result) {
  View view{h_};
  uint64_t hash = hash_key(key, len);
  uint32_t b = static_cast<uint32_t>(hash & (h_->buckets - 1));
  uint32_t s = b & (h_->stripes - 1);
  const ColumnInfo& info = view.columns()[column];
  auto apply = [&](char* row_values) {
    if (info.type == ColumnType::Int) {
      // Wraps on overflow like Swoole's (two's complement, no UB).
      result.i =
          static_cast<int64_t>(static_cast<uint64_t>(read_int(row_values, info)) + static_cast<uint64_t>(delta.i));
    } else {
      result.f = read_float(row_values, info) + delta.f;
    }
    view.write(row_values, info, result);
  };

  StripeLock lock(h_, s);
  if (g_write_observer && !g_write_observer->admit(*this, s)) return Status::Refused;
  const Write write{WriteKind::Add, key, len, nullptr, column, &delta};
  uint32_t* link = view.find_link(b, hash, key, len);
  if (!link) return observed(*this, s, write, insert(view, s, b, hash, key, len, apply));
  apply(View::values(view.row(*link - 1)));
  return observed(*this, s, write, Status::Ok);
}

Status Table::erase(const char* key, size_t len) {
  View view{h_};
  uint64_t hash = hash_key(key, len);
  uint32_t b = static_cast<uint32_t>(hash & (h_->buckets - 1));
  uint32_t s = b & (h_->stripes - 1);
  StripeLock lock(h_, s);
  if (g_write_observer && !g_write_observer->admit(*this, s)) return Status::Refused;
  uint32_t* link = view.find_link(b, hash, key, len);
  const Write write{WriteKind::Del, key, len, nullptr, 0, nullptr};
  if (!link) {
    // Not here (yet): the delete still goes out, so that a set made before it on another node, on its way to this
    // one, is ignored everywhere when it arrives (README, "Which write wins").
    if (g_write_observer) g_write_observer->written(*this, s, write);
    return Status::Missing;
  }
  uint32_t slot = *link - 1;
  Stripe& st = view.stripe(s);
  st.journal_slot = slot;
  st.journal_bucket = b;
  st.journal_op.store(static_cast<uint32_t>(JournalOp::Delete), std::memory_order_release);
  view.publish(link, view.row(slot)->next);  // the commit point
  view.count(s).fetch_sub(1, std::memory_order_relaxed);
  view.state(slot).store(kFree, std::memory_order_release);
  st.journal_op.store(static_cast<uint32_t>(JournalOp::None), std::memory_order_release);
  return observed(*this, s, write, Status::Ok);
}

bool Table::next(uint32_t& cursor, std::string& key, char* values) const {
  View view{h_};
  for (; cursor < h_->rows; cursor++) {
    uint32_t state = view.state(cursor).load(std::memory_order_acquire);
    if ((state & ~0xffffu) != kLive) continue;
    StripeLock lock(h_, state & 0xffffu);
    if (view.state(cursor).load() != state) continue;
    RowHead* row = view.row(cursor);
    key.assign(row->key, row->key_len);
    view.copy_values(values, View::values(row), -1);
    cursor++;
    return true;
  }
  return false;
}

int64_t Table::read_int(const char* values, const ColumnInfo& column) {
  return __atomic_load_n(reinterpret_cast<const int64_t*>(values + column.offset), __ATOMIC_RELAXED);
}

double Table::read_float(const char* values, const ColumnInfo& column) {
  int64_t bits = read_int(values, column);
  double value;
  memcpy(&value, &bits, 8);
  return value;
}

const char* Table::read_string(const char* values, const ColumnInfo& column, uint32_t& len) {
  memcpy(&len, values + column.offset, 4);
  return values + column.offset + 4;
}

}  // namespace ephpm::tables
