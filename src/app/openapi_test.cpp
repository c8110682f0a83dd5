#include "app/openapi.hpp"

#include <gtest/gtest.h>

namespace sp::app {
namespace {

TEST(OpenApi, EmbeddedDocumentConvertsToJson) {
  auto json = YamlToJson(OpenApiYaml());
  ASSERT_TRUE(json) << json.error().message;
  EXPECT_EQ((*json)["openapi"].get<std::string>().substr(0, 2), "3.");
  EXPECT_TRUE((*json)["paths"].is_object());
}

TEST(OpenApi, ScalarTypesFollowYamlRules) {
  auto json = YamlToJson("a: 1\nb: true\nc: '1'\nd: text\ne: 1.5\n");
  ASSERT_TRUE(json);
  EXPECT_TRUE((*json)["a"].is_number_integer());
  EXPECT_TRUE((*json)["b"].is_boolean());
  EXPECT_TRUE((*json)["c"].is_string());
  EXPECT_TRUE((*json)["e"].is_number_float());
}

}  // namespace
}  // namespace sp::app
