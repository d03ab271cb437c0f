// Node-API face of the lock a running server holds for its whole life (a POSIX
// record lock on a file beside its state file): the kernel drops it when the
// supervisor dies, however it dies, so a lock held means a server is running,
// whatever the state file says. Node has no file locks of its own.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/napi_faces.h"

namespace ephpm {
namespace {

struct flock whole_file(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return lock;
}

Napi::Value fail(Napi::Env env, const std::string& path) {
  Napi::Error::New(env, "cannot lock " + path + ": " + strerror(errno)).ThrowAsJavaScriptException();
  return env.Undefined();
}

// lockServer(path) -> 0 once this process holds the lock (until it exits; the
// descriptor is never closed, as closing any descriptor of the file would drop
// it), or the pid of the process holding it.
Napi::Value LockServer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(env, path);
  struct flock lock = whole_file(F_WRLCK);
  if (fcntl(fd, F_SETLK, &lock) == 0) return Napi::Number::New(env, 0);
  int error = errno;
  struct flock holder = whole_file(F_WRLCK);
  int tested = fcntl(fd, F_GETLK, &holder);
  close(fd);
  errno = error;
  if (error != EAGAIN && error != EACCES) return fail(env, path);
  return Napi::Number::New(env, tested == 0 && holder.l_type != F_UNLCK ? holder.l_pid : -1);
}

// lockHolder(path) -> the pid of the process holding the lock, 0 when nobody does.
Napi::Value LockHolder(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Napi::Number::New(env, 0);
    return fail(env, path);
  }
  struct flock holder = whole_file(F_WRLCK);
  int tested = fcntl(fd, F_GETLK, &holder);
  close(fd);
  if (tested != 0) return fail(env, path);
  return Napi::Number::New(env, holder.l_type == F_UNLCK ? 0 : holder.l_pid);
}

}  // namespace

void register_server_lock_functions(Napi::Env env, Napi::Object exports) {
  exports.Set("lockServer", Napi::Function::New(env, LockServer));
  exports.Set("lockHolder", Napi::Function::New(env, LockHolder));
}

}  // namespace ephpm
