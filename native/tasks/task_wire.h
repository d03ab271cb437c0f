// The task socket protocol, shared by the dispatcher (request worker, PHP
// thread) and the task worker (its Node side, src/runtime/task-wire.ts).
// Frame: u32 LE payload length | u8 type | u32 LE id | payload.
#pragma once

#include <cstdint>
#include <string>

namespace ephpm {

enum class FrameType : uint8_t {
  Task = 1,           // run it and reply
  TaskNoReply = 2,    // fire-and-forget
  ResultOk = 16,      // payload: the task's result string
  ResultFailed = 17,  // payload: an encoded TaskFailure
  QueueFull = 18,     // the task worker holds too many tasks; this one was not taken
  Gone = 19,          // the task worker is draining; this one was not taken, send it elsewhere
  Draining = 20,      // notice (id 0): send no more tasks on this connection
  Accepted = 21,      // the task is queued (sent before it reaches PHP); a Task's result follows later
};

constexpr size_t kFrameHeaderBytes = 9;

void append_frame(std::string& out, FrameType type, uint32_t id, const char* data, size_t size);

struct Frame {
  FrameType type;
  uint32_t id;
  std::string payload;
};

// Takes one complete frame off the front of `buffer`; false if none is complete yet.
bool take_frame(std::string& buffer, Frame& frame);

// What a task that threw reports back: enough for the caller to rebuild the exception.
struct TaskFailure {
  std::string class_name;
  std::string message;
  int64_t code = 0;
  std::string file;
  int64_t line = 0;
  std::string trace;
};

std::string encode_failure(const TaskFailure& failure);
bool decode_failure(const std::string& bytes, TaskFailure& failure);

}  // namespace ephpm
