// Regression test for what json_patch_fuzz found (issue 12): creating the
// missing parents of "/a/22222222222/b" made nlohmann resize an array to 22
// billion elements (out of memory; one PATCH /profiles/{id} could take the
// server down).
#include <gtest/gtest.h>

#include "json_util.h"

namespace mock_courier {
namespace {

TEST(JsonPatchBadInputTest, MissingParentPastTheEndOfAnArrayIs400NotAHugeArray) {
  Json document = Json::parse(R"({"email":"a@b.c","list":[1],"nothing":null})");
  const Json before = document;
  for (const char* path : {"/x/22222222222/b", "/list/5/b", "/nothing/99999999/b"}) {
    Status status =
        ApplyJsonPatch(document, Json::array({{{"op", "add"}, {"path", path}, {"value", 1}}}));
    EXPECT_EQ(status, Status::BadRequest(std::string("Invalid patch operation at index 0 (add ") +
                                         path + "): array index out of range"));
    EXPECT_EQ(document, before);
  }
}

TEST(JsonPatchBadInputTest, MissingParentsAtTheEndOfAnArrayAreStillCreated) {
  Json document = Json::parse(R"({"list":[1]})");
  ASSERT_TRUE(
      ApplyJsonPatch(document, Json::array({{{"op", "add"}, {"path", "/list/1/b"}, {"value", 2}},
                                            {{"op", "add"}, {"path", "/new/0/c"}, {"value", 3}}}))
          .ok());
  EXPECT_EQ(document, Json::parse(R"({"list":[1,{"b":2}],"new":[{"c":3}]})"));
}

}  // namespace
}  // namespace mock_courier
