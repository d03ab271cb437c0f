#include "zygote/zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "php/embedding.h"
#include "zygote/zygote_wire.h"

namespace ephpm {
namespace {

constexpr const char* kListenEnv = "EPHPM_ZYGOTE_LISTEN";
constexpr const char* kScriptEnv = "EPHPM_ZYGOTE_SCRIPT";
constexpr const char* kIniEnv = "EPHPM_ZYGOTE_INI";
constexpr const char* kWorkerEntryEnv = "EPHPM_WORKER_ENTRY";
// The zygote's stdin comes from the supervisor: its end (the supervisor exits or lets go) stops the forking.
constexpr int kSupervisorPipe = 0;

// A function's static, not a global: the zygote runs from a constructor, before this file's globals are set.
ZygoteInheritance& inheritance() {
  static ZygoteInheritance* value = new ZygoteInheritance();
  return *value;
}

struct ForkRequest {
  std::string cwd;
  std::vector<std::string> environment;
  int descriptors[kPassedDescriptors] = {-1, -1, -1, -1};

  void close_descriptors() {
    for (int& fd : descriptors) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
  }
};

struct Zygote {
  int argc;
  char** argv;  // Node's, the zygote's: [node, flags…, forked-worker-main.js]
  pid_t pid = getpid();
  int listener = -1;
  int signals = -1;
  sigset_t original_mask;
  std::map<int, pid_t> worker_of_proxy;  // by the proxy's connection
  std::map<pid_t, int> proxy_of_worker;  // -1 once the proxy is gone
};

bool receive_request(int connection, ForkRequest& request) {
  uint32_t length = 0;
  iovec header = {&length, sizeof length};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kPassedDescriptors)] = {};
  msghdr message = {};
  message.msg_iov = &header;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  if (recvmsg(connection, &message, MSG_CMSG_CLOEXEC | MSG_WAITALL) != sizeof length) return false;
  cmsghdr* rights = CMSG_FIRSTHDR(&message);
  if (!rights || rights->cmsg_type != SCM_RIGHTS || rights->cmsg_len != CMSG_LEN(sizeof(int) * kPassedDescriptors))
    return false;
  memcpy(request.descriptors, CMSG_DATA(rights), sizeof(int) * kPassedDescriptors);
  if (length == 0 || length > kMaxRequestBytes) return false;
  std::string payload(length, '\0');
  if (!read_fully(connection, payload.data(), length) || payload.back() != '\0') return false;
  size_t start = payload.find('\0');
  request.cwd = payload.substr(0, start);
  for (size_t next = start + 1; next < payload.size(); next = start + 1) {
    start = payload.find('\0', next);
    request.environment.push_back(payload.substr(next, start - next));
  }
  return true;
}

// Node runs the worker's main module itself when its path fits where the zygote's script path is (the last
// argument): ps then shows the worker's command line, and forked-worker-main.js is not needed to import it.
void run_worker_entry(Zygote& zygote) {
  const char* entry = getenv(kWorkerEntryEnv);
  if (!entry || zygote.argc < 2) return;
  char* script = zygote.argv[zygote.argc - 1];
  size_t room = strlen(script), length = strlen(entry);
  if (length > room) return;
  memcpy(script, entry, length);
  memset(script + length, 0, room - length);
  unsetenv(kWorkerEntryEnv);
}

// In the child: the proxy's descriptors on 0-3, its directory and environment, nothing of the zygote's.
void become_worker(Zygote& zygote, ForkRequest& request) {
  close(zygote.listener);
  close(zygote.signals);
  for (const auto& [connection, pid] : zygote.worker_of_proxy) close(connection);
  sigprocmask(SIG_SETMASK, &zygote.original_mask, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != zygote.pid) _exit(1);
  int moved[kPassedDescriptors];
  for (int i = 0; i < kPassedDescriptors; i++) moved[i] = fcntl(request.descriptors[i], F_DUPFD_CLOEXEC, 16);
  request.close_descriptors();
  for (int i = 0; i < kPassedDescriptors; i++) {
    if (moved[i] < 0 || dup2(moved[i], i) < 0) _exit(1);
    close(moved[i]);
  }
  if (chdir(request.cwd.c_str()) != 0) _exit(1);
  clearenv();
  for (const std::string& entry : request.environment) putenv(strdup(entry.c_str()));
  run_worker_entry(zygote);
  inheritance().started = true;
}

// Returns true in a forked child, which then goes on into Node's main.
bool fork_worker(Zygote& zygote, int connection) {
  ucred peer = {};
  socklen_t size = sizeof peer;
  timeval patience = {5, 0};
  setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  ForkRequest request;
  bool trusted = getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.uid == getuid();
  if (!trusted || !receive_request(connection, request)) {
    request.close_descriptors();
    close(connection);
    return false;
  }
  zygote.worker_of_proxy[connection] = 0;
  pid_t pid = fork();
  if (pid == 0) {
    close(connection);
    zygote.worker_of_proxy.erase(connection);
    become_worker(zygote, request);
    return true;
  }
  request.close_descriptors();
  int32_t answer = pid > 0 ? pid : -errno;
  if (pid < 0 || !write_fully(connection, &answer, sizeof answer)) {
    if (pid > 0) kill(pid, SIGKILL);
    zygote.worker_of_proxy.erase(connection);
    close(connection);
    if (pid > 0) zygote.proxy_of_worker[pid] = -1;
    return false;
  }
  zygote.worker_of_proxy[connection] = pid;
  zygote.proxy_of_worker[pid] = connection;
  return false;
}

// Returns true when a signal asked the zygote to stop (Ctrl-C reaches the whole process group, say).
bool take_signals(Zygote& zygote) {
  bool stop = false;
  signalfd_siginfo info;
  while (read(zygote.signals, &info, sizeof info) == sizeof info) stop = stop || info.ssi_signo != SIGCHLD;
  return stop;
}

void reap_workers(Zygote& zygote) {
  int status = 0;
  for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
    auto found = zygote.proxy_of_worker.find(pid);
    if (found == zygote.proxy_of_worker.end()) continue;
    int connection = found->second;
    zygote.proxy_of_worker.erase(found);
    if (connection < 0) continue;
    int32_t reported = status;
    write_fully(connection, &reported, sizeof reported);
    zygote.worker_of_proxy.erase(connection);
    close(connection);
  }
}

// A proxy that goes away (SIGKILLed by the supervisor, say) takes its worker with it.
void drop_proxy(Zygote& zygote, int connection) {
  pid_t pid = zygote.worker_of_proxy[connection];
  zygote.worker_of_proxy.erase(connection);
  close(connection);
  if (pid <= 0) return;
  zygote.proxy_of_worker[pid] = -1;
  kill(pid, SIGKILL);
}

// Returns true in a forked child; in the zygote, once the supervisor let go and every worker has exited.
bool serve_forks(Zygote& zygote, const std::string& path) {
  bool stopped = false;
  // Its workers are the supervisor's to stop: they keep the zygote until they exit (it reports their status). The
  // end of its stdout tells the supervisor to fork no more through it.
  auto stop_forking = [&] {
    stopped = true;
    close(zygote.listener);
    unlink(path.c_str());
    int nothing = open("/dev/null", O_WRONLY);
    dup2(nothing, STDOUT_FILENO);
    close(nothing);
  };
  while (!stopped || !zygote.proxy_of_worker.empty()) {
    std::vector<pollfd> watched = {{zygote.signals, POLLIN, 0}};
    if (!stopped) watched.push_back({kSupervisorPipe, POLLIN, 0});
    for (const auto& [connection, pid] : zygote.worker_of_proxy) watched.push_back({connection, POLLIN, 0});
    // Last: a connection accepted in this round may reuse the number of one closed earlier in it.
    if (!stopped) watched.push_back({zygote.listener, POLLIN, 0});
    if (poll(watched.data(), watched.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    for (const pollfd& entry : watched) {
      if (entry.revents == 0) continue;
      if (entry.fd == zygote.signals) {
        if (take_signals(zygote) && !stopped) stop_forking();
        reap_workers(zygote);
      } else if (entry.fd == kSupervisorPipe) {
        char ignored[64];
        if (read(kSupervisorPipe, ignored, sizeof ignored) > 0) continue;
        if (!stopped) stop_forking();
      } else if (entry.fd == zygote.listener) {
        if (stopped) continue;
        int connection = accept4(zygote.listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (connection >= 0 && fork_worker(zygote, connection)) return true;
      } else if (zygote.worker_of_proxy.count(entry.fd)) {
        char ignored;
        if (read(entry.fd, &ignored, 1) <= 0) drop_proxy(zygote, entry.fd);
      }
    }
  }
  return false;
}

int listen_at(const std::string& path) {
  sockaddr_un address;
  if (!socket_address(path, address)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(path.c_str());
  mode_t previous = umask(0177);  // only its owner may connect (the zygote also checks the peer's uid)
  int bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  umask(previous);
  if (bound != 0 || listen(fd, 64) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string take_env(const char* name) {
  const char* value = getenv(name);
  std::string taken = value ? value : "";
  unsetenv(name);
  return taken;
}

// Runs before Node's main in every process that loads the addon; only a zygote has EPHPM_ZYGOTE_LISTEN. This file
// is linked last (toolchain/addon-build.ts), so the addon's other globals are initialised by then.
// glibc passes constructors main's arguments.
__attribute__((constructor)) void run_as_zygote_if_asked(int argc, char** argv, char**) {
  if (!getenv(kListenEnv)) return;
  std::string path = take_env(kListenEnv);
  std::string script = take_env(kScriptEnv);
  std::string ini = take_env(kIniEnv);
  unsetenv("LD_PRELOAD");
  // A worker gets the proxy's descriptors on 0-3: what PHP opens at startup (OPcache's lock file, say) must not
  // be there, or each worker would lose it to the dup2.
  for (int placeholder = 0; placeholder >= 0 && placeholder < kPassedDescriptors;)
    placeholder = open("/dev/null", O_RDONLY);
  bool started = start_php_module_for_zygote(script, ini, [](Event* event) {
    if (event->kind == EventKind::Log) inheritance().startup_log.push_back(event->data);
    delete event;
  });
  // The supervisor reads one line on stdout: "ready", or why not.
  if (!started) {
    std::string why = "failed: PHP's module startup failed";
    for (const std::string& line : inheritance().startup_log) why += "; " + line;
    for (char& c : why) c = c == '\n' ? ' ' : c;
    dprintf(STDOUT_FILENO, "%s\n", why.c_str());
    _exit(1);
  }
  inheritance().script = script;
  inheritance().ini = ini;

  Zygote zygote{argc, argv};
  sigset_t taken;
  sigemptyset(&taken);
  for (int signal : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&taken, signal);
  sigprocmask(SIG_BLOCK, &taken, &zygote.original_mask);
  zygote.signals = signalfd(-1, &taken, SFD_CLOEXEC | SFD_NONBLOCK);
  zygote.listener = listen_at(path);
  if (zygote.listener < 0 || zygote.signals < 0) {
    dprintf(STDOUT_FILENO, "failed: cannot listen at %s: %s\n", path.c_str(), strerror(errno));
    _exit(1);
  }
  dprintf(STDOUT_FILENO, "ready\n");
  if (serve_forks(zygote, path)) return;
  _exit(0);
}

}  // namespace

const ZygoteInheritance& zygote_inheritance() { return inheritance(); }

}  // namespace ephpm
