#include "http/coding_negotiation.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

namespace ephpm {
namespace {

constexpr int kBr = 0;
constexpr int kZstd = 1;
constexpr int kGzip = 2;
constexpr int kAny = 3;  // "*"
constexpr int kOther = 4;

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is(std::string_view name, const char* lower) {
  return name.size() == strlen(lower) && strncasecmp(name.data(), lower, name.size()) == 0;
}

bool token(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte >= '0' && byte <= '9') || ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z') ||
           std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
  });
}

// A q value in thousandths: "0", "1", "0." to "0.ddd", "1." to "1.000"; -1 for anything else.
int thousandths(std::string_view value) {
  if (value.empty() || (value[0] != '0' && value[0] != '1')) return -1;
  int whole = value[0] - '0';
  if (value.size() == 1) return whole * 1000;
  if (value[1] != '.' || value.size() > 5) return -1;
  int fraction = 0;
  int scale = 100;
  for (char digit : value.substr(2)) {
    if (digit < '0' || digit > '9') return -1;
    fraction += (digit - '0') * scale;
    scale /= 10;
  }
  return whole == 1 && fraction > 0 ? -1 : whole * 1000 + fraction;
}

int coding_of(std::string_view name) {
  if (is(name, "br")) return kBr;
  if (is(name, "zstd")) return kZstd;
  if (is(name, "gzip") || is(name, "x-gzip")) return kGzip;
  if (name == "*") return kAny;
  return kOther;
}

}  // namespace

Negotiated negotiate_coding(std::string_view accept_encoding, bool has_zstd) {
  int rated[kOther + 1] = {-1, -1, -1, -1, -1};  // -1: not named
  size_t start = 0;
  while (start <= accept_encoding.size()) {
    size_t comma = std::min(accept_encoding.find(',', start), accept_encoding.size());
    std::string_view part = accept_encoding.substr(start, comma - start);
    start = comma + 1;
    size_t semicolon = part.find(';');
    std::string_view name = trimmed(part.substr(0, semicolon));
    int q = 1000;
    if (semicolon != std::string_view::npos) {
      std::string_view parameter = part.substr(semicolon + 1);
      size_t equals = parameter.find('=');
      if (equals == std::string_view::npos || !is(trimmed(parameter.substr(0, equals)), "q"))
        return Negotiated::Unknown;
      q = thousandths(trimmed(parameter.substr(equals + 1)));
      if (q < 0) return Negotiated::Unknown;
    }
    if (name.empty()) continue;
    if (!token(name)) return Negotiated::Unknown;
    int& rating = rated[coding_of(name)];
    rating = std::max(q, std::max(rating, 0));
  }
  for (int coding : {kBr, kZstd, kGzip}) {
    if (coding == kZstd && !has_zstd) continue;
    int q = rated[coding] >= 0 ? rated[coding] : std::max(rated[kAny], 0);
    if (q > 0) return Negotiated::Coding;
  }
  return Negotiated::Identity;
}

}  // namespace ephpm
