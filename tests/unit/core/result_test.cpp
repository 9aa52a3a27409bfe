#include "core/result.hpp"

#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace hearth {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return make_error(errc::invalid_argument, "n: must be even", "got an odd number");
  return n / 2;
}

Result<void> check_positive(int n) {
  if (n <= 0) return make_error(errc::invalid_argument, "n: must be positive");
  return {};
}

TEST(Result, HoldsAValue) {
  const Result<int> r = half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 4);
  EXPECT_EQ(*r, 4);
}

TEST(Result, HoldsAnError) {
  const Result<int> r = half(3);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, "n: must be even");
  EXPECT_EQ(r.error().detail, "got an odd number");
}

TEST(Result, GivesMemberAccessAndMutationThroughTheValue) {
  Result<std::string> r = std::string("abc");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3U);
  r->push_back('d');
  *r += "e";
  EXPECT_EQ(r.value(), "abcde");
}

TEST(Result, MovesAMoveOnlyValueOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Result, MovesTheErrorOut) {
  Result<std::string> r = make_error(errc::not_found, "gone fishing");
  ASSERT_FALSE(r.ok());
  Error e = std::move(r).error();
  EXPECT_EQ(e.code, errc::not_found);
  EXPECT_EQ(e.message, "gone fishing");
}

TEST(Result, StringValueIsNotMistakenForAnError) {
  const Result<std::string> r = std::string("n: must be even");
  EXPECT_TRUE(r.ok());
}

TEST(ResultVoid, DefaultIsSuccess) {
  const Result<void> r;
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_TRUE(check_positive(1).ok());
}

TEST(ResultVoid, HoldsAnError) {
  const Result<void> r = check_positive(0);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message, "n: must be positive");
  EXPECT_EQ(r.error().detail, "");
}

TEST(MakeError, FillsEveryFieldAndDetailDefaultsToEmpty) {
  EXPECT_EQ(make_error(errc::conflict, "m"), (Error{errc::conflict, "m", ""}));
  EXPECT_EQ(make_error(errc::conflict, "m", "d"), (Error{errc::conflict, "m", "d"}));
  EXPECT_NE(make_error(errc::conflict, "m"), make_error(errc::gone, "m"));
  EXPECT_NE(make_error(errc::conflict, "m"), make_error(errc::conflict, "n"));
}

}  // namespace
}  // namespace hearth
