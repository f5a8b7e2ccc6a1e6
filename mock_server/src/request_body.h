// Request decoding shared by the Api's surfaces: bodies, the Authorization
// header, query strings. Pure functions, no engine access.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock_courier/status.h"

namespace mock_courier::server {

using Json = nlohmann::json;

// Courier's body parsing
// (https://www.courier.com/docs/platform/sending/handling-responses-and-errors, `assertBody`): a
// body starting with `{` or `[` is JSON, anything else is urlencoded with bracket syntax
// (`profile[email]=a@b.c`). Errors are 400: "No Body Provided" for an empty body, the smart-quote
// message when the JSON has curly quotes, else the parser's message.
Result<Json> ParseCourierBody(std::string_view body);
// Whether ParseCourierBody reads `body` as JSON (its first non-space
// character is `{` or `[`), so that the body is the parsed value's JSON text.
bool BodyIsJson(std::string_view body);

// Whether `body` is empty or only white space.
bool IsBlank(std::string_view body);

// Parses a JSON body (no urlencoded fallback) with ParseJson's limits
// (mock_courier/json_parse.h: nesting, UTF-8, finite numbers). Errors are 400
// with ParseJson's message, or "No Body Provided" when empty.
Result<Json> ParseJsonBody(std::string_view body);

// "a[b][c]=1&x=y&l[]=1&l[]=2" -> {"a":{"b":{"c":"1"}},"x":"y","l":["1","2"]}.
// Errors are 400: a decoded name or value that is not UTF-8, or brackets
// nesting deeper than kMaxJsonDepth (the JSON limit, mock_courier/json_parse.h).
Result<Json> ParseUrlEncoded(std::string_view text);

// The API key in an Authorization header, per https://www.courier.com/docs/reference/authorization:
// "Bearer <key>"; "Basic base64(email:key)" -> the part after the first
// colon; "Basic base64(key:)" -> the decoded value without its final
// character (as Courier strips Segment's trailing colon). The scheme is
// case-sensitive. nullopt when the header has neither form.
std::optional<std::string> CourierKeyFromAuthorization(std::string_view header);

// The write key of Segment's Tracking API Basic form: base64("<key>:") ->
// "<key>" (also accepted without the colon,
// https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/).
std::optional<std::string> WriteKeyFromBasic(std::string_view header);

// Standard base64 (padding optional). nullopt on a bad character.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}, in order (percent- and
// plus-decoded).
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view text);

// The query as JSON for the engine: {"name": "value"}, or an array of values
// when a name repeats; null when there is no parameter.
Json QueryToJson(const std::vector<std::pair<std::string, std::string>>& query);

// The first value of a query parameter.
std::optional<std::string> QueryValue(const std::vector<std::pair<std::string, std::string>>& query,
                                      std::string_view name);

}  // namespace mock_courier::server
