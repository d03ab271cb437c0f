// ephpm-worker-proxy: what the supervisor starts in place of a worker when a PHP zygote runs
// (native/zygote/zygote.h). Started with the worker's environment and Node's IPC channel on fd 3, it has the zygote
// fork the worker with them, then stands for it: the signals it gets go to the worker, and it exits as the worker
// does (the same code or signal). Killed outright, it takes the worker with it (the zygote sees it go).
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "zygote/zygote_wire.h"

extern char** environ;

namespace {

constexpr int kCannotStart = 70;
constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

volatile pid_t g_worker = 0;

void forward(int signal) { kill(g_worker, signal); }

int fail(const std::string& what) {
  fprintf(stderr, "ephpm-worker-proxy: %s: %s\n", what.c_str(), strerror(errno));
  return kCannotStart;
}

int connect_to(const std::string& path) {
  sockaddr_un address;
  if (!ephpm::socket_address(path, address)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_request(int zygote, const std::string& payload) {
  uint32_t length = static_cast<uint32_t>(payload.size());
  iovec header = {&length, sizeof length};
  int descriptors[ephpm::kPassedDescriptors] = {0, 1, 2, 3};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof descriptors)] = {};
  msghdr message = {};
  message.msg_iov = &header;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* rights = CMSG_FIRSTHDR(&message);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof descriptors);
  memcpy(CMSG_DATA(rights), descriptors, sizeof descriptors);
  if (sendmsg(zygote, &message, MSG_NOSIGNAL) != sizeof length) return false;
  return ephpm::write_fully(zygote, payload.data(), payload.size());
}

[[noreturn]] void exit_as(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int signal = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  ::signal(signal, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal);
  sigprocmask(SIG_UNBLOCK, &only, nullptr);
  raise(signal);
  _exit(128 + signal);
}

}  // namespace

int main() {
  const char* path = getenv(ephpm::kZygoteSocketEnv);
  if (!path) {
    fprintf(stderr, "ephpm-worker-proxy: %s is not set; the ephpm supervisor starts this program\n",
            ephpm::kZygoteSocketEnv);
    return kCannotStart;
  }
  std::string zygote_path = path;
  unsetenv(ephpm::kZygoteSocketEnv);
  signal(SIGPIPE, SIG_IGN);  // a zygote gone is a failed write, said as such

  // Held until the worker's pid is known, then passed on.
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int signal : kForwarded) sigaddset(&forwarded, signal);
  sigprocmask(SIG_BLOCK, &forwarded, nullptr);

  int zygote = connect_to(zygote_path);
  if (zygote < 0) return fail("cannot reach the PHP zygote at " + zygote_path);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return fail("cannot read the working directory");
  std::string payload = std::string(cwd) + '\0';
  for (char** entry = environ; *entry; entry++) payload += std::string(*entry) + '\0';
  if (!send_request(zygote, payload)) return fail("cannot ask the PHP zygote for a worker");
  close(3);  // the worker holds the IPC channel now: when it exits, the supervisor sees the channel close

  int32_t pid = 0;
  if (!ephpm::read_fully(zygote, &pid, sizeof pid)) return fail("the PHP zygote did not answer");
  if (pid <= 0) {
    errno = -pid;
    return fail("the PHP zygote could not fork a worker");
  }
  g_worker = pid;
  struct sigaction passing = {};
  passing.sa_handler = forward;
  passing.sa_flags = SA_RESTART;
  sigemptyset(&passing.sa_mask);
  for (int signal : kForwarded) sigaction(signal, &passing, nullptr);
  sigprocmask(SIG_UNBLOCK, &forwarded, nullptr);

  int32_t status = 0;
  // No status: the zygote died, and its workers with it (PR_SET_PDEATHSIG).
  if (!ephpm::read_fully(zygote, &status, sizeof status)) exit_as(SIGKILL);
  exit_as(status);
}
