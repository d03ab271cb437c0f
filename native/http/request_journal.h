// The requests a worker queued for PHP and PHP has not started, kept where they outlive the worker: a file in
// /dev/shm that the supervisor named and reads once the worker is gone (src/runtime/supervisor/request-journal.ts).
// A dead worker's queued requests then go, as bytes, to another worker with their connections (docs/ARCHITECTURE.md,
// "Reading only what PHP can start"). Writing one is a memcpy into a mapped slot; PHP taking one is one store.
//
// Layout (little-endian): header { u32 magic, u32 slots, u32 slot bytes, u32 pad, u64 last taken id, u64 running id }
// (running: the request PHP runs now; the last taken one, or one the native lane read, which is never here) then
// `slots` slots of { u64 id (0: empty), u32 connection, u32 length, bytes[slot bytes - 16] }. A request takes the
// lowest slot whose request PHP has taken, so only as many slots are ever written (and take memory) as requests were
// queued at once; the queue never holds more than queue_size + 1, fewer than the slots. The bytes are the request as
// another worker's HTTP parser takes it (request line, headers but their framing, Content-Length, body).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "http/exchange.h"

namespace ephpm {

class RequestJournal {
 public:
  static constexpr uint32_t kMagic = 0x4a50484d;  // "MHPJ"
  static constexpr uint32_t kSlots = 512;
  static constexpr uint32_t kSlotBytes = 64 * 1024;

  // Maps `path` (created, sized; sparse: only slots written take memory). False: no journal, nothing recorded.
  bool open(const std::string& path);
  // Node's thread, when the request is queued: requests with a spooled or multipart body, or larger than a slot,
  // are not recorded (their connection gets a 502 if the worker dies).
  void record(const Request& request);
  // PHP's thread, as it takes a request from Node's queue: everything queued up to it has started.
  void taken(uint64_t id);
  // PHP's thread, as it takes a request that was never queued (the native lane's): what is queued has not started.
  void running_unqueued(uint64_t id);
  // Node took it back (cancel): it is not to be sent again.
  void forget(uint64_t id);

 private:
  char* slot_at(size_t index) const;
  char* base_ = nullptr;
  // Node's thread: the id each slot holds (0: none).
  std::array<uint64_t, kSlots> slot_ids_{};
};

}  // namespace ephpm
