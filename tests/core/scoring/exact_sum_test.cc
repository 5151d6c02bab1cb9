#include "core/scoring/exact_sum.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace plaudit {
namespace {

double SumOf(const std::vector<double>& values) {
  ExactSum sum;
  for (double v : values) sum.Add(v);
  return sum.Value();
}

TEST(ExactSum, EmptyIsZero) { EXPECT_EQ(ExactSum().Value(), 0.0); }

TEST(ExactSum, KeepsWhatPlainAdditionLoses) {
  EXPECT_EQ(SumOf({1e100, 1.0, -1e100}), 1.0);
  EXPECT_EQ(SumOf({0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}), 1.0);
  double plain = 0;
  for (int i = 0; i < 10; ++i) plain += 0.1;
  EXPECT_NE(plain, 1.0);  // what the exact sum is here to avoid
}

TEST(ExactSum, RoundsTheExactTotalToNearest) {
  // 1 + 2^-53 + 2^-53 is 1 + 2^-52 exactly: plain left-to-right addition rounds each half away.
  const double half_ulp = std::ldexp(1.0, -53);
  EXPECT_EQ(SumOf({1.0, half_ulp, half_ulp}), 1.0 + std::ldexp(1.0, -52));
  // A tie (1 + 2^-53 exactly) rounds to even, unless a smaller partial breaks it.
  EXPECT_EQ(SumOf({1.0, half_ulp}), 1.0);
  EXPECT_EQ(SumOf({1.0, half_ulp, 1e-30}), 1.0 + std::ldexp(1.0, -52));
  EXPECT_EQ(SumOf({1.0, half_ulp, -1e-30}), 1.0);
}

TEST(ExactSum, IntegersAddUpExactly) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> value(-(int64_t{1} << 40), int64_t{1} << 40);
  std::vector<double> values;
  int64_t exact = 0;
  for (int i = 0; i < 5000; ++i) {
    const int64_t v = value(rng);
    exact += v;
    values.push_back(static_cast<double>(v));
  }
  EXPECT_EQ(SumOf(values), static_cast<double>(exact));
}

TEST(ExactSum, OrderOfAdditionNeverChangesTheResult) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> mantissa(-1.0, 1.0);
  std::uniform_int_distribution<int> exponent(-40, 40);
  for (int round = 0; round < 50; ++round) {
    std::vector<double> values;
    for (int i = 0; i < 300; ++i) values.push_back(std::ldexp(mantissa(rng), exponent(rng)));
    const double first = SumOf(values);
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      std::shuffle(values.begin(), values.end(), rng);
      ASSERT_EQ(SumOf(values), first) << "round " << round;
    }
    // Split in two, summed apart and merged: the same again.
    ExactSum a, b;
    for (size_t i = 0; i < values.size(); ++i) (i % 3 == 0 ? a : b).Add(values[i]);
    a.Merge(b);
    ASSERT_EQ(a.Value(), first);
  }
}

TEST(ExactSum, AddingTheNegationTakesAValueBackOut) {
  ExactSum sum;
  for (double v : {4.25, 0.1, 1e-9, 3.0}) sum.Add(v);
  sum.Add(-0.1);
  EXPECT_EQ(sum.Value(), SumOf({4.25, 1e-9, 3.0}));
}

TEST(ExactSum, EncodesAndDecodesItsPartials) {
  ExactSum sum;
  for (double v : {1e100, 1.0, 0.1, -3.5e-20}) sum.Add(v);
  auto decoded = ExactSum::Decode(sum.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->Value(), sum.Value());
  decoded->Add(-1e100);
  sum.Add(-1e100);
  EXPECT_EQ(decoded->Value(), sum.Value());
  EXPECT_EQ(decoded->Value(), 1.1);
}

TEST(ExactSum, DecodeRefusesWhatEncodeNeverWrites) {
  auto torn = ExactSum::Decode(std::string(12, '\0'));
  ASSERT_FALSE(torn.ok());
  EXPECT_NE(torn.status().message().find("12 bytes"), std::string_view::npos);
  const std::string nan_bits("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8);
  EXPECT_FALSE(ExactSum::Decode(nan_bits).ok());
}

}  // namespace
}  // namespace plaudit
