// Complete responses written by the PHP thread straight to the client's
// socket, in the bytes Node's http module would have sent.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "http/bridge.h"
#include "http/direct_socket.h"

namespace ephpm {

// Reason phrases by status code (Node's http.STATUS_CODES), set once at start.
void set_status_texts(std::map<int, std::string> texts);

// false: this response needs Node (a status without a body, a header Node
// treats specially or would reject); nothing was written. true: the bytes went
// to the socket (or the socket failed) and a Written / WriteFailed event tells
// Node; bytes the socket did not take at once travel in the Written event.
bool write_response_directly(DirectSocket& socket, uint64_t request_id, int status, const std::vector<Header>& headers,
                             std::string& body, const EventSink& emit);

}  // namespace ephpm
