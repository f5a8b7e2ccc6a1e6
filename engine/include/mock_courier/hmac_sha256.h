// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), self-contained so that the
// engine needs no crypto library: outbound webhooks are signed with
// HMAC-SHA256 over "<timestamp>.<body>" as Courier documents
// (https://www.courier.com/docs/platform/workspaces/outbound-webhooks/).
// Public so that a C++ test can verify a webhook's courier-signature.
// Known-answer tests: engine/tests/hmac_sha256_test.cc (FIPS and RFC 4231).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mock_courier {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view message);
// Lower-case hex of `digest`.
std::string HexDigest(const Sha256Digest& digest);

}  // namespace mock_courier
