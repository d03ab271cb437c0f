#include "tasks/task_wire.h"

#include <cstring>

namespace ephpm {
namespace {

void put_u32(std::string& out, uint32_t value) {
  char bytes[4] = {static_cast<char>(value), static_cast<char>(value >> 8), static_cast<char>(value >> 16),
                   static_cast<char>(value >> 24)};
  out.append(bytes, 4);
}

uint32_t get_u32(const char* data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  return bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
}

void put_field(std::string& out, const std::string& field) {
  put_u32(out, static_cast<uint32_t>(field.size()));
  out += field;
}

bool get_field(const std::string& bytes, size_t& position, std::string& field) {
  if (position + 4 > bytes.size()) return false;
  uint32_t size = get_u32(bytes.data() + position);
  position += 4;
  if (position + size > bytes.size()) return false;
  field.assign(bytes, position, size);
  position += size;
  return true;
}

}  // namespace

void append_frame(std::string& out, FrameType type, uint32_t id, const char* data, size_t size) {
  put_u32(out, static_cast<uint32_t>(size));
  out += static_cast<char>(type);
  put_u32(out, id);
  out.append(data, size);
}

bool take_frame(std::string& buffer, Frame& frame) {
  if (buffer.size() < kFrameHeaderBytes) return false;
  uint32_t size = get_u32(buffer.data());
  if (buffer.size() < kFrameHeaderBytes + size) return false;
  frame.type = static_cast<FrameType>(buffer[4]);
  frame.id = get_u32(buffer.data() + 5);
  frame.payload.assign(buffer, kFrameHeaderBytes, size);
  buffer.erase(0, kFrameHeaderBytes + size);
  return true;
}

std::string encode_failure(const TaskFailure& failure) {
  std::string out;
  put_field(out, failure.class_name);
  put_field(out, failure.message);
  put_field(out, std::to_string(failure.code));
  put_field(out, failure.file);
  put_field(out, std::to_string(failure.line));
  put_field(out, failure.trace);
  return out;
}

bool decode_failure(const std::string& bytes, TaskFailure& failure) {
  size_t position = 0;
  std::string code, line;
  if (!get_field(bytes, position, failure.class_name) || !get_field(bytes, position, failure.message) ||
      !get_field(bytes, position, code) || !get_field(bytes, position, failure.file) ||
      !get_field(bytes, position, line) || !get_field(bytes, position, failure.trace)) {
    return false;
  }
  failure.code = std::strtoll(code.c_str(), nullptr, 10);
  failure.line = std::strtoll(line.c_str(), nullptr, 10);
  return true;
}

}  // namespace ephpm
