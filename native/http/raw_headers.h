// Node hands a request's headers to the addon as one string, "Name\nvalue\nName\nvalue", as it received them.
#pragma once

#include <string_view>

namespace ephpm {

// Calls visit(name, value) for each header, in order.
template <typename Visit>
void for_each_raw_header(std::string_view raw, Visit visit) {
  size_t position = 0;
  while (position < raw.size()) {
    size_t name_end = raw.find('\n', position);
    if (name_end == std::string_view::npos) break;
    size_t value_end = raw.find('\n', name_end + 1);
    if (value_end == std::string_view::npos) value_end = raw.size();
    visit(raw.substr(position, name_end - position), raw.substr(name_end + 1, value_end - name_end - 1));
    position = value_end + 1;
  }
}

}  // namespace ephpm
