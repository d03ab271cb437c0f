#include "http/direct_response.h"

#include <errno.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <ctime>

#include "http/answer_mark.h"
#include "http/spill_file.h"

namespace ephpm {
namespace {

// Written before the PHP thread starts; never freed (the PHP thread may outlive
// static destructors at exit, as with the Bridge).
auto* g_status_texts = new std::map<int, std::string>();

// Headers whose presence changes what Node itself adds or how it frames the
// message; responses carrying them keep going through Node.
const char* const kNodeManagedHeaders[] = {"connection", "transfer-encoding", "date",
                                           "expect",     "trailer",           "keep-alive"};

// Headers Node reads from the final response: a `Link` teaches the front the page's early hints (http/early-hints.ts).
const char* const kNodeReadHeaders[] = {"link"};

bool token_char(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// Node's rules: names are tokens, values have no control characters but tab.
bool sendable(const Header& header) {
  if (header.name.empty()) return false;
  for (unsigned char c : header.name) {
    if (!token_char(c)) return false;
  }
  for (unsigned char c : header.value) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  for (const char* managed : kNodeManagedHeaders) {
    if (strcasecmp(header.name.c_str(), managed) == 0) return false;
  }
  for (const char* read : kNodeReadHeaders) {
    if (strcasecmp(header.name.c_str(), read) == 0) return false;
  }
  return true;
}

// Node's format (utcDate), computed once per second on this thread.
const std::string& http_date() {
  static thread_local time_t formatted_at = 0;
  static thread_local std::string formatted;
  time_t now = time(nullptr);
  if (now != formatted_at) {
    char buffer[64];
    struct tm parts;
    gmtime_r(&now, &parts);
    strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    formatted = buffer;
    formatted_at = now;
  }
  return formatted;
}

std::string format_head(int status, const std::vector<Header>& headers, int keep_alive_seconds) {
  auto text = g_status_texts->find(status);
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += text == g_status_texts->end() ? "unknown" : text->second;
  head += "\r\n";
  for (const auto& header : headers) {
    head += header.name;
    head += ": ";
    head += header.value;
    head += "\r\n";
  }
  head += "Date: ";
  head += http_date();
  head += "\r\n";
  if (keep_alive_seconds > 0) {
    head += "Connection: keep-alive\r\nKeep-Alive: timeout=";
    head += std::to_string(keep_alive_seconds);
    head += "\r\n\r\n";
  } else {
    head += "Connection: close\r\n\r\n";
  }
  return head;
}

// Bytes sent, or -1 with errno. Never blocks: what the socket does not take
// now is left to Node.
ssize_t send_parts(int fd, const std::string& head, const std::string& body) {
  struct iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                           {const_cast<char*>(body.data()), body.size()}};
  struct msghdr message = {};
  message.msg_iov = parts;
  message.msg_iovlen = body.empty() ? 1 : 2;
  ssize_t sent;
  do {
    sent = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return sent;
}

}  // namespace

void set_status_texts(std::map<int, std::string> texts) { *g_status_texts = std::move(texts); }

bool write_response_directly(DirectSocket& socket, uint64_t request_id, int status, const std::vector<Header>& headers,
                             std::string& body, const EventSink& emit) {
  bool bodyless = status < 200 || status == 204 || status == 304;
  if (bodyless) return false;
  for (const auto& header : headers) {
    if (!sendable(header)) return false;
  }
  int keep_alive_seconds = socket.keep_alive_seconds();
  std::string head = format_head(status, headers, keep_alive_seconds);
  mark_answer_owed(socket.fd(), false);  // before the first byte: a dead worker's supervisor adds nothing after it
  ssize_t sent = send_parts(socket.fd(), head, body);

  auto* event = new Event();
  event->id = request_id;
  event->status = status;
  event->last = keep_alive_seconds == 0;  // Written: the client was told the connection closes
  event->body_bytes = static_cast<double>(body.size());
  if (sent < 0) {
    event->kind = EventKind::WriteFailed;
  } else {
    event->kind = EventKind::Written;
    // What the socket did not take goes to Node: in memory, or the body's
    // rest in a temp file when it is large (a client that reads slowly, or not at all).
    size_t done = static_cast<size_t>(sent);
    size_t body_sent = done > head.size() ? done - head.size() : 0;
    if (done < head.size()) event->data.assign(head, done, std::string::npos);
    size_t body_left = body.size() - body_sent;
    if (body_left > 0 && should_spill(body_left)) event->file = spill_to_file(body.data() + body_sent, body_left);
    if (body_left > 0 && event->file < 0) event->data.append(body, body_sent, std::string::npos);
  }
  emit(event);
  return true;
}

}  // namespace ephpm
