// A mark on a client connection, kept by the kernel, saying that a request was read from it and no byte of its
// answer was written yet: if the worker dies then, the supervisor may answer 502 in its place (nginx's answer for a
// dead php-fpm child), and must not once part of an answer went out. TCP_KEEPCNT (the number of keep-alive probes)
// holds it: TCP reads it only under SO_KEEPALIVE, which these connections never have, and 127 is never its default.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace ephpm {

constexpr int kAnswerOwed = 127;
constexpr int kNoAnswerOwed = 9;  // Linux's default (net.ipv4.tcp_keepalive_probes)

inline bool mark_answer_owed(int fd, bool owed) {
  int count = owed ? kAnswerOwed : kNoAnswerOwed;
  return setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count) == 0;
}

inline bool answer_owed(int fd) {
  int count = 0;
  socklen_t length = sizeof count;
  return getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, &length) == 0 && count == kAnswerOwed;
}

}  // namespace ephpm
