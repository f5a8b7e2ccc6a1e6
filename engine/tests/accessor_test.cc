// Accessors, designer lookups, `if` expressions and cancelation token
// resolution (https://www.courier.com/docs/platform/automations/steps).
#include <gtest/gtest.h>

#include "accessors.h"
#include "packed_json.h"

namespace mock_courier {
namespace {

Json Context() {
  return {{"brand", nullptr},
          {"data",
           {{"userId", "user_123"},
            {"email", "ada@example.com"},
            {"count", 0},
            {"plan", "pro"},
            {"vip", true},
            {"properties", {{"vendor_name", "Acme"}, {"items", {"a", "b"}}}}}},
          {"profile", nullptr},
          {"recipient", "user_123"},
          {"template", "Checkout Page Visited"}};
}

TEST(RunContextTest, CompactedDataReadsTheSame) {
  JsonKeyTable keys;
  RunContext context(Context());
  const Json before = context.ToJson();
  context.Compact(keys);
  EXPECT_EQ(keys.size(), 8u);  // The data's keys, now numbers in the table.
  EXPECT_EQ(context.ToJson(), before);
  EXPECT_EQ(context.Get("data")["properties"]["vendor_name"], "Acme");
  EXPECT_EQ(AccessorValue("data.email", context, Json::object()), "ada@example.com");
  context.Compact(keys);  // Again, after the data was unpacked.
  EXPECT_EQ(context.ToJson(), before);
}

// A triggered run's context is built root by root: it reads as the same
// context object would.
TEST(RunContextTest, RootsSetOneByOneReadAsTheObject) {
  RunContext built;
  built.set_recipient("user-with-a-long-id-0001");
  built.set_data(std::make_shared<const Json>(Json{{"event", "Viewed"}}));
  const RunContext split(
      Json{{"recipient", "user-with-a-long-id-0001"}, {"data", {{"event", "Viewed"}}}});
  EXPECT_EQ(built.ToJson(), split.ToJson());
  EXPECT_EQ(built.Get("recipient"), "user-with-a-long-id-0001");
  built.set_recipient(nullptr);
  EXPECT_EQ(built.Find("recipient"), nullptr);
  EXPECT_EQ(built.ToJson(), (Json{{"data", {{"event", "Viewed"}}}}));
}

TEST(RunContextTest, CompactWithoutDataKeepsNoData) {
  JsonKeyTable keys;
  RunContext context(Json{{"recipient", "ann"}});
  context.Compact(keys);
  EXPECT_EQ(context.Find("data"), nullptr);
  EXPECT_EQ(context.ToJson(), (Json{{"recipient", "ann"}}));
}

TEST(RunContextTest, CopiesKeepEveryRootAndTheCompactedData) {
  JsonKeyTable keys;
  Json with_other = Context();
  with_other["locale"] = "pt-PT";  // Not a Courier root: kept as given.
  with_other["brand"] = {{"id", "b-1"}};
  RunContext context(with_other);
  context.Compact(keys);
  const RunContext copy = context;
  RunContext assigned;
  assigned = copy;
  EXPECT_EQ(context.ToJson(), with_other);
  EXPECT_EQ(copy.ToJson(), with_other);
  EXPECT_EQ(assigned.ToJson(), context.ToJson());
  EXPECT_EQ(assigned.Get("locale"), "pt-PT");
  EXPECT_EQ(assigned.Get("brand")["id"], "b-1");
  EXPECT_EQ(assigned.Get("data")["userId"], "user_123");
}

TEST(AccessorTest, RefReadsARunContextPath) {
  Json refs = Json::object();
  EXPECT_EQ(AccessorValue("data.email", Context(), refs), "ada@example.com");
  EXPECT_EQ(AccessorValue("data.properties.vendor_name", Context(), refs), "Acme");
  EXPECT_EQ(AccessorValue("data.properties.items.1", Context(), refs), "b");
  EXPECT_EQ(AccessorValue("recipient", Context(), refs), "user_123");
}

TEST(AccessorTest, MissingOrFalsyValuesResolveToNull) {
  // Courier: `acc && acc[p] ? acc[p] : null` (apply-accessors.ts).
  Json refs = Json::object();
  EXPECT_TRUE(AccessorValue("data.count", Context(), refs).is_null());
  EXPECT_TRUE(AccessorValue("data.missing", Context(), refs).is_null());
  EXPECT_TRUE(AccessorValue("data.missing.deeper", Context(), refs).is_null());
  EXPECT_TRUE(AccessorValue("profile.email", Context(), refs).is_null());
  EXPECT_TRUE(AccessorValue("nowhere.x", Context(), refs).is_null());
}

TEST(AccessorTest, NestedAccessorsResolveRecursively) {
  Json step = {{"action", "send"},
               {"profile", {{"email", {{"$ref", "data.email"}}}}},
               {"data", {{"list", Json::array({{{"$ref", "data.plan"}}, "literal"})}}}};
  Json out = ApplyAccessors(step, Context(), Json::object());
  EXPECT_EQ(out["profile"]["email"], "ada@example.com");
  EXPECT_EQ(out["data"]["list"], Json::array({"pro", "literal"}));
  EXPECT_EQ(out["action"], "send");
}

TEST(AccessorTest, StepRefNamesTakePrecedenceOverContextRoots) {
  Json refs = {{"lookup", {{"messageId", "1-abc"}}}, {"data", {{"email", "from-ref"}}}};
  EXPECT_EQ(AccessorValue("lookup.messageId", Context(), refs), "1-abc");
  EXPECT_EQ(AccessorValue("data.email", Context(), refs), "from-ref");
}

TEST(AccessorTest, AnObjectWithANonStringRefIsNotAnAccessor) {
  EXPECT_FALSE(IsAccessor(Json{{"$ref", 3}}));
  EXPECT_FALSE(IsAccessor(Json{{"ref", "data.x"}}));
  EXPECT_TRUE(IsAccessor(Json{{"$ref", "data.x"}}));
}

TEST(RefsLookupTest, ExactPathIsUsedWithoutNote) {
  std::string note;
  auto value = LookupRefsPath("refs.data.userId", Context(), &note);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "user_123");
  EXPECT_TRUE(note.empty());
}

TEST(RefsLookupTest, LowerCaseFaqSpellingResolvesCaseInsensitivelyWithANote) {
  // Courier's FAQ writes `refs.data.userid` for Segment's `userId`
  // (https://www.courier.com/docs/external-integrations/cdp/segment/).
  std::string note;
  auto value = LookupRefsPath("refs.data.userid", Context(), &note);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "user_123");
  EXPECT_NE(note.find("refs.data.userId"), std::string::npos) << note;
}

TEST(RefsLookupTest, MissingPathFindsNothing) {
  std::string note;
  EXPECT_FALSE(LookupRefsPath("refs.data.nobody", Context(), &note).has_value());
  EXPECT_FALSE(LookupRefsPath("refs.profile.email", Context(), &note).has_value());
}

bool Eval(const std::string& expression) {
  auto value = EvaluateExpression(expression, Context());
  EXPECT_TRUE(value.ok()) << value.status().ToString();
  return value.ok() && Truthy(*value);
}

TEST(ExpressionTest, ComparesStringsNumbersAndBooleans) {
  EXPECT_TRUE(Eval("data.plan == 'pro'"));
  EXPECT_FALSE(Eval("data.plan == \"free\""));
  EXPECT_TRUE(Eval("data.plan != 'free'"));
  EXPECT_TRUE(Eval("data.count === 0"));
  EXPECT_TRUE(Eval("data.count == '0'"));
  EXPECT_FALSE(Eval("data.count === '0'"));
  EXPECT_TRUE(Eval("data.vip == true"));
  EXPECT_TRUE(Eval("data.properties.items.length >= 2"));
  EXPECT_TRUE(Eval("data.count + 1 > 0.5"));
}

TEST(ExpressionTest, CombinesWithLogicalOperatorsAndParentheses) {
  EXPECT_TRUE(Eval("data.plan == 'pro' && data.vip"));
  EXPECT_TRUE(Eval("data.plan == 'free' || data.vip"));
  EXPECT_FALSE(Eval("!data.vip"));
  EXPECT_TRUE(Eval("!(data.plan == 'free' && data.vip)"));
  EXPECT_TRUE(Eval("!data.missing"));
  EXPECT_FALSE(Eval("data.missing"));
  // The skipped side of && is not evaluated: no error for a member of undefined.
  EXPECT_FALSE(Eval("data.missing && data.missing.x == 1"));
}

TEST(ExpressionTest, AndOrReturnAnOperandAsJavaScriptDoes) {
  auto value = EvaluateExpression("data.missing || data.plan", Context());
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "pro");
}

TEST(ExpressionTest, TemplateLiteralsInterpolate) {
  auto value = EvaluateExpression("`onboarding-${data.userId}`", Context());
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "onboarding-user_123");
}

TEST(ExpressionBadInputTest, ErrorsNameTheProblem) {
  auto unknown = EvaluateExpression("nobody == 1", Context());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("nobody is not defined"), std::string::npos);
  auto member = EvaluateExpression("data.missing.x == 1", Context());
  ASSERT_FALSE(member.ok());
  EXPECT_NE(member.status().message().find("cannot read property 'x' of undefined"),
            std::string::npos);
  EXPECT_FALSE(EvaluateExpression("data.plan ==", Context()).ok());
  EXPECT_FALSE(EvaluateExpression("'unterminated", Context()).ok());
  EXPECT_FALSE(EvaluateExpression("data.plan == 'pro' )", Context()).ok());
}

TEST(CancelationTokenTest, RefsPrefixIsAContextLookup) {
  auto token = ResolveCancelationToken("refs.data.userId", Context());
  EXPECT_EQ(token.token, "user_123");
  EXPECT_TRUE(token.diagnostics.empty());
}

TEST(CancelationTokenTest, WrappedInDollarBracesIsInterpolated) {
  EXPECT_EQ(ResolveCancelationToken("${data.userId}", Context()).token, "user_123");
  EXPECT_EQ(ResolveCancelationToken("${`onboarding-flow-${data.userId}`}", Context()).token,
            "onboarding-flow-user_123");
  EXPECT_EQ(ResolveCancelationToken("${refs.data.userId}", Context()).token, "user_123");
}

TEST(CancelationTokenTest, AnythingElseIsALiteral) {
  EXPECT_EQ(ResolveCancelationToken("onboarding-refs.data.user_id", Context()).token,
            "onboarding-refs.data.user_id");
  EXPECT_EQ(ResolveCancelationToken("delay-send--user-yes", Context()).token,
            "delay-send--user-yes");
}

TEST(CancelationTokenTest, LookupThatFindsNothingGivesNoTokenAndSaysSo) {
  auto token = ResolveCancelationToken("refs.data.nobody", Context());
  EXPECT_EQ(token.token, "");
  ASSERT_EQ(token.diagnostics.size(), 1u);
  EXPECT_NE(token.diagnostics[0].find("resolved to nothing"), std::string::npos);
  auto interpolated = ResolveCancelationToken("${data.nobody}", Context());
  EXPECT_EQ(interpolated.token, "");
  EXPECT_FALSE(interpolated.diagnostics.empty());
}

TEST(CancelationTokenTest, LowerCaseLookupResolvesWithADiagnostic) {
  auto token = ResolveCancelationToken("refs.data.userid", Context());
  EXPECT_EQ(token.token, "user_123");
  ASSERT_EQ(token.diagnostics.size(), 1u);
  EXPECT_NE(token.diagnostics[0].find("case-insensitively"), std::string::npos);
}

// A run started by a Segment event holds its data packed; its token is the
// same as from the tree, strings read directly and other values by lookup.
TEST(CancelationTokenTest, PackedDataGivesTheTokensATreeGives) {
  const Json tree = Context();
  JsonKeyTable keys;
  std::optional<PackedJson> data = PackedJson::Pack(tree["data"], keys);
  ASSERT_TRUE(data);
  RunContext packed;
  packed.set_packed_data(*data, keys);
  RunContext from_tree;
  from_tree.set_data(Share(Json(tree["data"])));
  for (const char* expression :
       {"refs.data.userId", "refs.data.count", "refs.data.vip", "refs.data.userid",
        "refs.data.properties.items", "refs.data.properties.items.1", "refs.data.nobody",
        "refs.data", "refs.", "${data.userId}"}) {
    const ResolvedToken a = ResolveCancelationToken(expression, packed);
    const ResolvedToken b = ResolveCancelationToken(expression, from_tree);
    EXPECT_EQ(a.token, b.token) << expression;
    EXPECT_EQ(a.diagnostics, b.diagnostics) << expression;
  }
  EXPECT_EQ(ResolveCancelationToken("refs.data.count", packed).token, "0");
  EXPECT_EQ(ResolveCancelationToken("refs.data.properties.items.1", packed).token, "b");
}

TEST(JsStringTest, PrintsValuesAsJavaScriptDoes) {
  EXPECT_EQ(JsString(Json(42)), "42");
  EXPECT_EQ(JsString(Json(2.5)), "2.5");
  EXPECT_EQ(JsString(Json(3.0)), "3");
  EXPECT_EQ(JsString(Json(true)), "true");
  EXPECT_EQ(JsString(Json(nullptr)), "null");
  EXPECT_EQ(JsString(Json(Json::value_t::discarded)), "undefined");
  EXPECT_EQ(JsString(Json::array({1, "a"})), "1,a");
  EXPECT_EQ(JsString(Json::object()), "[object Object]");
}

}  // namespace
}  // namespace mock_courier
