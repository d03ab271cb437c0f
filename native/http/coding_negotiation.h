// Which content coding Node would answer a request with, decided on the PHP thread for the native lane: the same
// choice as negotiateCoding() in src/runtime/http/compression/negotiation.ts, for the Accept-Encoding values whose
// shape it reads exactly (tokens, each with at most a plain q value); any other value leaves the request to Node.
#pragma once

#include <string_view>

namespace ephpm {

enum class Negotiated { Identity, Coding, Unknown };

// Coding: Node picks br, gzip or (with has_zstd) zstd; Identity: none; Unknown: a shape this does not read.
Negotiated negotiate_coding(std::string_view accept_encoding, bool has_zstd);

}  // namespace ephpm
