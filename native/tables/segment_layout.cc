// How a segment's tables are laid out, and the check that a mapped segment is
// laid out exactly so before anything in it is trusted: a segment file is
// only ever read after this (see Segment::open).
#include <cstdio>
#include <cstring>

#include "tables/shared_table_layout.h"

namespace ephpm::tables {

namespace {

uint32_t next_power_of_two(uint32_t value) {
  uint32_t power = 1;
  while (power < value) power <<= 1;
  return power;
}

bool terminated(const char* text, size_t capacity) { return memchr(text, '\0', capacity) != nullptr; }

// One table header at `at` (room for `room` bytes), rebuilt from its own rows
// and columns and compared with what create() would have written.
std::string check_table(const char* at, uint64_t room, uint64_t& table_bytes) {
  if (room < align(sizeof(TableHeader), 64)) return "a table header runs past the end of the file";
  const auto* h = reinterpret_cast<const TableHeader*>(at);
  if (!terminated(h->name, sizeof(h->name))) return "a table name is not terminated";
  std::string where = std::string("table \"") + h->name + "\": ";
  if (h->rows == 0 || h->rows > kMaxRows) return where + "rows out of range";
  if (h->column_count == 0 || h->column_count > kMaxColumns) return where + "column count out of range";
  if (h->bytes > room) return where + "its size runs past the end of the file";
  uint64_t columns_at = align(sizeof(TableHeader), 64);
  if (h->off_columns != columns_at || columns_at + sizeof(ColumnInfo) * h->column_count > h->bytes) {
    return where + "its columns are not where they belong";
  }
  TableSpec spec;
  spec.name = h->name;
  spec.rows = h->rows;
  const auto* columns = reinterpret_cast<const ColumnInfo*>(at + columns_at);
  for (uint32_t c = 0; c < h->column_count; c++) {
    const ColumnInfo& column = columns[c];
    if (!terminated(column.name, sizeof(column.name))) return where + "a column name is not terminated";
    bool string = column.type == ColumnType::String;
    if (!string && column.type != ColumnType::Int && column.type != ColumnType::Float)
      return where + "a column has an unknown type";
    if (string && (column.size == 0 || column.size > kMaxStringBytes))
      return where + "a string column's size is out of range";
    spec.columns.push_back({column.name, column.type, string ? column.size : 8});
  }
  Layout layout = layout_of(spec);
  for (uint32_t c = 0; c < h->column_count; c++) {
    if (columns[c].offset != layout.columns[c].offset || columns[c].size != layout.columns[c].size) {
      return where + "a column's offset or size does not match its type";
    }
  }
  TableHeader expected{};
  plan_table(expected, spec, layout);
  if (h->buckets != expected.buckets || h->stripes != expected.stripes || h->values_size != expected.values_size ||
      h->row_stride != expected.row_stride || h->bytes != expected.bytes || h->off_stripes != expected.off_stripes ||
      h->off_counts != expected.off_counts || h->off_buckets != expected.off_buckets ||
      h->off_states != expected.off_states || h->off_undo != expected.off_undo || h->off_rows != expected.off_rows) {
    return where + "its sizes or offsets do not match its rows and columns";
  }
  table_bytes = h->bytes;
  return "";
}

}  // namespace

Layout layout_of(const TableSpec& spec) {
  Layout layout;
  uint32_t offset = 0;
  for (const auto& column : spec.columns) {
    ColumnInfo info{};
    snprintf(info.name, sizeof(info.name), "%s", column.name.c_str());
    info.type = column.type;
    info.size = column.type == ColumnType::String ? column.size : 8;
    info.offset = offset;
    offset += static_cast<uint32_t>(align(column.type == ColumnType::String ? 4 + column.size : 8, 8));
    layout.columns.push_back(info);
  }
  layout.values_size = offset;
  layout.stride = static_cast<uint32_t>(sizeof(RowHead) + offset);
  return layout;
}

uint64_t plan_table(TableHeader& h, const TableSpec& spec, const Layout& layout) {
  h.rows = spec.rows;
  h.buckets = next_power_of_two(spec.rows);
  h.stripes = h.buckets < kMaxStripes ? h.buckets : kMaxStripes;
  h.column_count = static_cast<uint32_t>(layout.columns.size());
  h.values_size = layout.values_size;
  h.row_stride = layout.stride;
  uint64_t offset = align(sizeof(TableHeader), 64);
  h.off_columns = offset;
  offset = align(offset + sizeof(ColumnInfo) * layout.columns.size(), 64);
  h.off_stripes = offset;
  offset += sizeof(Stripe) * h.stripes;
  h.off_counts = offset;
  offset = align(offset + 4ULL * h.stripes, 64);
  h.off_buckets = offset;
  offset = align(offset + 4ULL * h.buckets, 64);
  h.off_states = offset;
  offset = align(offset + 4ULL * h.rows, 64);
  h.off_undo = offset;
  offset = align(offset + uint64_t(h.values_size) * h.stripes, 64);
  h.off_rows = offset;
  offset = align(offset + uint64_t(h.row_stride) * h.rows, 64);
  h.bytes = offset;
  return offset;
}

std::string check_segment(const char* base, uint64_t size) {
  uint64_t first = align(sizeof(SegmentHeader), 64);
  if (size < first) return "shorter than its header";
  const auto* header = reinterpret_cast<const SegmentHeader*>(base);
  if (header->bytes != size)
    return "its header says " + std::to_string(header->bytes) + " bytes, the file has " + std::to_string(size);
  if (header->table_count > kMaxTables) return "table count out of range";
  uint64_t offset = first;
  for (uint32_t i = 0; i < header->table_count; i++) {
    uint64_t table_bytes = 0;
    std::string error = check_table(base + offset, size - offset, table_bytes);
    if (!error.empty()) return error;
    offset += table_bytes;
  }
  if (offset != size) return "its tables do not fill the file exactly";
  return "";
}

}  // namespace ephpm::tables
