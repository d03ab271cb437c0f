// Private to shared_table.cc and shared_segment.cc: how a segment is laid out
// in memory (see docs/ARCHITECTURE.md, "Shared tables").
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "tables/shared_table.h"

namespace ephpm::tables {

constexpr uint64_t kMagic = 0x3142544d5048504dULL;  // "MPHPMTB1"
constexpr uint32_t kLayoutVersion = 1;
constexpr uint32_t kMaxStripes = 64;
constexpr uint32_t kNoSlot = UINT32_MAX;
// Slot states: which stripe's lock guards a slot is part of its state, so that
// recovery only ever touches slots of the stripe it holds.
constexpr uint32_t kFree = 0;
constexpr uint32_t kReserved = 1u << 16;
constexpr uint32_t kLive = 2u << 16;

struct SegmentHeader {
  std::atomic<uint64_t> magic;  // written last: a segment without it is still being made
  uint32_t layout_version;
  uint32_t table_count;
  uint64_t bytes;
  int32_t owner_pid;
  uint32_t reserved;
  uint64_t owner_start;  // the owner's start time (/proc/<pid>/stat), against pid reuse
};

struct TableHeader {
  char name[kMaxNameBytes + 1];
  uint32_t rows;     // capacity, and the number of row slots
  uint32_t buckets;  // power of two
  uint32_t stripes;  // power of two, <= buckets; bucket b is guarded by stripe b % stripes
  uint32_t column_count;
  uint32_t values_size;
  uint32_t row_stride;
  uint64_t bytes;
  uint64_t off_columns, off_stripes, off_counts, off_buckets, off_states, off_undo, off_rows;
  std::atomic<uint32_t> cursor;  // where the next free-slot search starts
};

inline uint64_t align(uint64_t value, uint64_t to) { return (value + to - 1) / to * to; }

// Bounds a header must respect (the same the TypeScript definitions enforce).
constexpr uint32_t kMaxTables = 1024;
constexpr uint32_t kMaxRows = 16777216;
constexpr uint32_t kMaxStringBytes = 1048576;

// A table's columns as laid out in a row (segment_layout.cc).
struct Layout {
  uint32_t stride = 0;
  std::vector<ColumnInfo> columns;
  uint32_t values_size = 0;
};

Layout layout_of(const TableSpec& spec);
// Fills in a header's sizes and offsets for `spec`; returns the table's bytes.
uint64_t plan_table(TableHeader& h, const TableSpec& spec, const Layout& layout);
// "" if the `size` bytes at `base` are a segment exactly as create() makes
// them (every size and offset checked against the mapping before it is read),
// else what is wrong.
std::string check_segment(const char* base, uint64_t size);

}  // namespace ephpm::tables
