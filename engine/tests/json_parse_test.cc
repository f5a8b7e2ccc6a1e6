#include "mock_courier/json_parse.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mock_courier {
namespace {

std::string Nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(ParseJsonTest, ParsesAValue) {
  auto parsed = ParseJson(R"({"a":[1,2.5,"x",null,true],"b":{"c":-3}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, nlohmann::json::parse(R"({"a":[1,2.5,"x",null,true],"b":{"c":-3}})"));
}

TEST(ParseJsonTest, NestingUpToTheLimitIsAccepted) {
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth)).ok());
  EXPECT_TRUE(ParseJson(Nested(3), 3).ok());
}

TEST(ParseJsonBadInputTest, NestingPastTheLimitIsRejectedWithTheLimitNamed) {
  EXPECT_EQ(ParseJson(Nested(kMaxJsonDepth + 1)).status(),
            Status::BadRequest("JSON nesting is deeper than the limit of 64 levels"));
  EXPECT_EQ(ParseJson(R"({"a":{"b":{"c":{}}}})", 3).status(),
            Status::BadRequest("JSON nesting is deeper than the limit of 3 levels"));
}

TEST(ParseJsonBadInputTest, HundredThousandLevelsAreRejectedWithoutRecursing) {
  EXPECT_EQ(ParseJson(Nested(100000)).status().message(), JsonTooDeepMessage());
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  EXPECT_EQ(ParseJson(objects).status().message(), JsonTooDeepMessage());
}

// ParseJson's own parser recurses per level; a caller that allows deep
// nesting gets it from nlohmann's, which does not.
TEST(ParseJsonTest, ACallerAllowingDeepNestingGetsItWithoutRecursion) {
  const int deep = 200000;
  EXPECT_TRUE(ParseJson(Nested(deep), deep).ok());
  EXPECT_EQ(ParseJson(Nested(deep + 1), deep).status().message(), JsonTooDeepMessage(deep));
}

TEST(ParseJsonBadInputTest, NumberOutOfRangeIs400) {
  EXPECT_EQ(ParseJson(R"({"n":1e400})").status(),
            Status::BadRequest("number overflow parsing '1e400'"));
  EXPECT_EQ(ParseJson("-1e999").status().message(), "number overflow parsing '-1e999'");
}

TEST(ParseJsonBadInputTest, InvalidUtf8IsRejectedWithAUtf8Message) {
  auto bad = ParseJson("[\"a\xff\"]");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "parse error at line 1, column 4: syntax error while parsing value - invalid string: "
            "ill-formed UTF-8 byte");
  EXPECT_TRUE(IsValidUtf8(bad.status().message()));
  // A lone surrogate escape is not a character either.
  EXPECT_FALSE(ParseJson(R"(["\ud800"])").ok());
}

TEST(ParseJsonBadInputTest, TruncatedAndTrailingInputIsRejected) {
  EXPECT_EQ(ParseJson(R"({"a":)").status().http_status(), 400);
  EXPECT_EQ(ParseJson("").status().http_status(), 400);
  EXPECT_EQ(ParseJson("{} x").status().http_status(), 400);
}

// ParseJson builds well-formed text itself and leaves the rest to nlohmann
// (json_parse.cc): whatever it accepts, nlohmann must accept with the same
// tree, value types included, and whatever nlohmann rejects it must reject.

// Equal values of equal types: 1, 1u and 1.0 are equal to nlohmann's
// operator== but not here, nor are 0.0 and -0.0.
bool Same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case nlohmann::json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
        if (ia.key() != ib.key() || !Same(ia.value(), ib.value())) return false;
      }
      return true;
    }
    case nlohmann::json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!Same(a[i], b[i])) return false;
      }
      return true;
    }
    case nlohmann::json::value_t::number_float:
      return std::bit_cast<std::uint64_t>(a.get<double>()) ==
             std::bit_cast<std::uint64_t>(b.get<double>());
    default:
      return a == b;
  }
}

// Both parsers agree on `text`: the same tree or the same error.
void ExpectAgree(const std::string& text, int max_depth = kMaxJsonDepth) {
  const Result<nlohmann::json> expected = ParseJsonWithNlohmann(text, max_depth);
  const Result<nlohmann::json> parsed = ParseJson(text, max_depth);
  const auto shown = [&] {
    return nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  };
  ASSERT_EQ(parsed.ok(), expected.ok())
      << "input: " << shown() << (parsed.ok() ? "" : " ParseJson: " + parsed.status().message());
  if (expected.ok()) {
    EXPECT_TRUE(Same(*parsed, *expected))
        << "input: " << shown() << "\nParseJson: " << parsed->dump()
        << "\nnlohmann: " << expected->dump();
  } else {
    EXPECT_EQ(parsed.status(), expected.status()) << "input: " << shown();
  }
}

TEST(ParseJsonTest, BuildsTheTreeNlohmannBuildsValueTypesIncluded) {
  const std::vector<std::string> inputs = {
      "0",
      "-0",
      "7",
      "-7",
      "0.0",
      "-0.0",
      "1e2",
      "1E+2",
      "1e-2",
      "-1.5e-3",
      "123.456e7",
      "18446744073709551615",
      "18446744073709551616",
      "9223372036854775807",
      "-9223372036854775808",
      "-9223372036854775809",
      "1e-400",
      "4.9e-324",
      "2.2250738585072014e-308",
      "0.1",
      "0.30000000000000004",
      "1.7976931348623157e308",
      "123456789012345678901234567890",
      "true",
      "false",
      "null",
      R"("")",
      R"("plain")",
      R"("a\"b\\c\/d\be\ff\ng\rh\ti")",
      R"("\u0000\u001f\u00e9\u20ac\uD83D\uDE00\uffff")",
      "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"",
      R"({})",
      R"([])",
      " { } ",
      "\t[\n1 ,\r2 ]\n",
      R"({"a":1,"a":2})",
      R"({"a":{"x":1},"a":[2]})",
      R"({"b":1,"a":2,"c":{"z":[],"y":{}}})",
      R"([[[[[]]]]])",
      R"({"":""})",
      R"({"messageId":"m-1","properties":{"total":99.0,"items":[1,2,3]},"userId":"u"})",
      "\xef\xbb\xbf{}",  // A byte-order mark: nlohmann skips it.
  };
  for (const std::string& input : inputs) ExpectAgree(input);
}

TEST(ParseJsonBadInputTest, RejectsWhatNlohmannRejects) {
  const std::vector<std::string> inputs = {
      "",
      " ",
      "01",
      "-",
      "-01",
      "1.",
      ".5",
      "1e",
      "1e+",
      "+1",
      "0x10",
      "NaN",
      "Infinity",
      "1e400",
      "-1e400",
      "tru",
      "nul",
      "True",
      "[1,]",
      "[,1]",
      "{,}",
      R"({"a"})",
      R"({"a":})",
      R"({"a":1,})",
      R"({a:1})",
      "{'a':1}",
      R"("abc)",
      R"("\x")",
      R"("\u12")",
      R"("\uDC00")",
      R"("\uD800")",
      R"("\uD800\u0041")",
      R"("\uD800x")",
      "\"a\x01\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xe2\x80\"",
      "\"\x80\"",
      "\"\xff\"",
      "[1] [2]",
      "{} x",
      "[",
      "]",
      "{\"a\":1",
      "\xef\xbb{}",
      "//c\n{}",
  };
  for (const std::string& input : inputs) ExpectAgree(input);
  ExpectAgree(R"({"a":{"b":{}}})", 2);
  ExpectAgree(R"([[1],[[2]]])", 2);
}

// The reader scans a string sixteen bytes at a time (SSE2), then eight: a
// byte that ends the plain run (quote, backslash, control character,
// non-ASCII) must be seen at every offset within and across those blocks,
// and bytes just beside each class boundary (0x1f/0x20, 0x7f/0x80, '!'/'#',
// '['/']') must be told apart.
TEST(ParseJsonTest, AgreesWithNlohmannOnEverySpecialByteAtEveryOffset) {
  const std::vector<std::string> specials = {"\"",
                                             "\\",
                                             "\\n",
                                             "\\u00e9",
                                             "\x1f",
                                             "\x01",
                                             " ",
                                             "\x7f",
                                             "!",
                                             "#",
                                             "[",
                                             "]",
                                             "\xc3\xa9",
                                             "\xe2\x82\xac",
                                             "\xf0\x9f\x98\x80",
                                             "\x80",
                                             "\xff",
                                             "\xc3",
                                             "\\x",
                                             std::string(1, '\0')};
  for (const std::string& special : specials) {
    for (std::size_t before = 0; before < 35; ++before) {
      for (const std::size_t after :
           std::initializer_list<std::size_t>{0, 1, 7, 8, 9, 15, 16, 17}) {
        const std::string inner = std::string(before, 'a') + special + std::string(after, 'b');
        ExpectAgree("\"" + inner + "\"");
        ExpectAgree("{\"" + inner + "\":[\"" + inner + "\"]}");
      }
    }
  }
}

// Random documents, as written by nlohmann (compact and indented, with and
// without escaping non-ASCII) and then damaged a byte at a time.
TEST(ParseJsonTest, AgreesWithNlohmannOnRandomAndDamagedDocuments) {
  std::mt19937_64 random(20261201);
  const auto pick = [&](std::uint64_t n) { return random() % n; };
  const std::vector<std::string> pieces = {
      "a", "Z", "\"", "\\", "/", "\n", "\x01", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
      " ", "{", "0"};
  const auto text = [&]() {
    std::string out;
    for (std::uint64_t i = pick(6); i > 0; --i) out += pieces[pick(pieces.size())];
    return out;
  };
  const auto value = [&](const auto& self, int depth) -> nlohmann::json {
    switch (pick(depth >= 4 ? 7 : 9)) {
      case 0:
        return nullptr;
      case 1:
        return pick(2) == 0;
      case 2:
        return static_cast<std::int64_t>(random()) >> pick(64);
      case 3:
        return random() >> pick(64);
      case 4:
        return std::ldexp(static_cast<double>(static_cast<std::int64_t>(random())),
                          static_cast<int>(pick(200)) - 150);
      case 5:
      case 6:
        return text();
      case 7: {
        nlohmann::json object = nlohmann::json::object();
        for (std::uint64_t i = pick(5); i > 0; --i) object[text()] = self(self, depth + 1);
        return object;
      }
      default: {
        nlohmann::json array = nlohmann::json::array();
        for (std::uint64_t i = pick(5); i > 0; --i) array.push_back(self(self, depth + 1));
        return array;
      }
    }
  };
  const std::string bytes = "{}[]\",:\\-+.eE0123456789 \tu\xc3\xa9\xff";
  for (int doc = 0; doc < 3000; ++doc) {
    const nlohmann::json original = value(value, 0);
    std::string written = original.dump(doc % 3 == 0 ? 2 : -1, ' ', doc % 2 == 0);
    ExpectAgree(written);
    for (int damage = 0; damage < 4 && !written.empty(); ++damage) {
      const std::size_t at = pick(written.size());
      switch (pick(3)) {
        case 0:
          written.erase(at, 1);
          break;
        case 1:
          written.insert(at, 1, bytes[pick(bytes.size())]);
          break;
        default:
          written[at] = bytes[pick(bytes.size())];
          break;
      }
      ExpectAgree(written);
    }
    if (HasFailure()) return;
  }
}

TEST(IsValidUtf8Test, AcceptsUtf8AndRejectsEverythingElse) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain \xc3\xa9 \xe2\x80\x9c \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // Overlong "/".
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // Surrogate U+D800.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xe2\x80"));          // Truncated.
  EXPECT_FALSE(IsValidUtf8("\x80"));              // Lone continuation byte.
}

}  // namespace
}  // namespace mock_courier
