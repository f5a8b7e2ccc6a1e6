// DeepMerge (json_util.h): how identify traits, profile merges and the
// update-profile step's "overwrite" strategy combine a patch into a profile
// (https://www.courier.com/docs/reference/profiles/by-id).
#include <gtest/gtest.h>

#include "json_util.h"

namespace mock_courier {
namespace {

TEST(DeepMergeTest, NewValuesWinObjectsMergeAndEverythingElseIsReplaced) {
  Json target = Json::parse(R"({"b":1,"d":{"x":1,"y":[1,2]},"f":"keep","z":{"q":true}})");
  DeepMerge(target, Json::parse(R"({"a":0,"b":2.5,"d":{"y":[3],"w":null},"e":{"n":{}},"z":7})"));
  EXPECT_EQ(target.dump(),
            R"({"a":0,"b":2.5,"d":{"w":null,"x":1,"y":[3]},"e":{"n":{}},"f":"keep","z":7})");
  // Value types stay the patch's: 2.5 replaced 1, and 1.0 replaces 1.
  DeepMerge(target, Json::parse(R"({"d":{"x":1.0}})"));
  EXPECT_TRUE(target["d"]["x"].is_number_float());
}

TEST(DeepMergeTest, ATargetThatIsNotAnObjectBecomesOne) {
  Json target = Json::array({1, 2});
  DeepMerge(target, Json::parse(R"({"k":"v"})"));
  EXPECT_EQ(target, Json::parse(R"({"k":"v"})"));
  Json empty;
  DeepMerge(empty, Json());
  EXPECT_EQ(empty, Json::object());
}

TEST(DeepMergeTest, APatchThatIsNotAnObjectChangesNothing) {
  Json target = Json::parse(R"({"k":"v"})");
  DeepMerge(target, Json::array({1}));
  DeepMerge(target, Json("text"));
  EXPECT_EQ(target, Json::parse(R"({"k":"v"})"));
}

}  // namespace
}  // namespace mock_courier
