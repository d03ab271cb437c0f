// Node-API face of what a worker and the supervisor know about a client connection without reading from it
// (docs/ARCHITECTURE.md, "Reading only what PHP can start"). A worker stops reading a keep-alive connection while
// its PHP is busy ("parked"): the next request stays in the kernel, where another worker can still read it. The
// parked mark must outlive the worker, so it lives on the connection itself: O_APPEND, a file status flag of the
// open file description the worker and the supervisor share (the descriptor passed over IPC is the same file), and
// one that a socket ignores. The supervisor reads it after a worker died to know which connections it may move.
// A connection whose request the worker read and has not started answering is marked too (http/answer_mark.h).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "http/answer_mark.h"
#include "node/napi_faces.h"

namespace ephpm {
namespace {

// markParked(fd, parked) -> false when the descriptor refused (closed, not a socket).
Napi::Value MarkParked(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  bool parked = info[1].As<Napi::Boolean>().Value();
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Napi::Boolean::New(info.Env(), false);
  int wanted = parked ? (flags | O_APPEND) : (flags & ~O_APPEND);
  return Napi::Boolean::New(info.Env(), wanted == flags || fcntl(fd, F_SETFL, wanted) == 0);
}

// markAnswering(fd, answering) -> false when the descriptor refused.
Napi::Value MarkAnswering(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(info.Env(), mark_answer_owed(fd, info[1].As<Napi::Boolean>().Value()));
}

// Whether the bytes waiting unread begin as a request line does ("GET /", "OPTIONS *"): a method token and a space.
bool starts_request(int fd) {
  char head[24];
  ssize_t got = recv(fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
  if (got <= 0) return false;
  ssize_t at = 0;
  while (at < got && head[at] >= 'A' && head[at] <= 'Z') at++;
  return at > 0 && at < got && head[at] == ' ';
}

// connectionState(fd) -> [parked, unread bytes, owes an answer, the unread bytes begin a request] or null (the
// descriptor is gone).
Napi::Value ConnectionState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int flags = fcntl(fd, F_GETFL);
  int unread = 0;
  if (flags < 0 || ioctl(fd, FIONREAD, &unread) != 0) return env.Null();
  bool owes = answer_owed(fd);
  Napi::Array state = Napi::Array::New(env, 4);
  state.Set(0u, Napi::Boolean::New(env, (flags & O_APPEND) != 0));
  state.Set(1u, Napi::Number::New(env, unread));
  state.Set(2u, Napi::Boolean::New(env, owes));
  state.Set(3u, Napi::Boolean::New(env, unread > 0 && starts_request(fd)));
  return state;
}

}  // namespace

void register_connection_state_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("markParked", Napi::Function::New(env, MarkParked, "markParked"));
  exports.Set("markAnswering", Napi::Function::New(env, MarkAnswering, "markAnswering"));
  exports.Set("connectionState", Napi::Function::New(env, ConnectionState, "connectionState"));
}

}  // namespace ephpm
