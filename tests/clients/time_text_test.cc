#include "clients/plaudit/time_text.h"

#include <gtest/gtest.h>

namespace plaudit::cli {
namespace {

// 2026-10-31T23:00:00Z, the moment October ends in Stockholm (CET, +01:00, after the change).
constexpr int64_t kOctoberEndsInStockholm = 1793487600;

TEST(TimeText, UtcIsWrittenWithZ) {
  EXPECT_EQ(TimeText(absl::FromUnixSeconds(kOctoberEndsInStockholm), absl::UTCTimeZone()),
            "2026-10-31T23:00:00Z");
}

TEST(TimeText, AZoneIsWrittenWithItsOffset) {
  std::optional<absl::TimeZone> stockholm = LoadDisplayZone("Europe/Stockholm");
  ASSERT_TRUE(stockholm.has_value());
  EXPECT_EQ(TimeText(absl::FromUnixSeconds(kOctoberEndsInStockholm), *stockholm),
            "2026-11-01T00:00:00+01:00");
  // In summer Stockholm is two hours ahead: 2026-07-01T10:00:00Z.
  EXPECT_EQ(TimeText(absl::FromUnixSeconds(1782900000), *stockholm), "2026-07-01T12:00:00+02:00");
}

TEST(TimeText, NamedUtcIsStillZ) {
  std::optional<absl::TimeZone> utc = LoadDisplayZone("UTC");
  ASSERT_TRUE(utc.has_value());
  EXPECT_EQ(TimeText(absl::FromUnixSeconds(kOctoberEndsInStockholm), *utc), "2026-10-31T23:00:00Z");
}

TEST(TimeText, FractionsOnlyWhenThere) {
  google::protobuf::Timestamp at;
  at.set_seconds(kOctoberEndsInStockholm);
  at.set_nanos(250000000);
  EXPECT_EQ(TimeText(at, absl::UTCTimeZone()), "2026-10-31T23:00:00.25Z");
}

TEST(LoadDisplayZone, UnknownOrEmptyNamesAreNotZones) {
  EXPECT_FALSE(LoadDisplayZone("Mars/Olympus").has_value());
  EXPECT_FALSE(LoadDisplayZone("").has_value());
}

TEST(ParseTimeText, AnOffsetOrZSaysTheInstant) {
  std::optional<absl::TimeZone> stockholm = LoadDisplayZone("Europe/Stockholm");
  ASSERT_TRUE(stockholm.has_value());
  EXPECT_EQ(ParseTimeText("2026-10-31T23:00:00Z", *stockholm),
            absl::FromUnixSeconds(kOctoberEndsInStockholm));
  EXPECT_EQ(ParseTimeText("2026-11-01T00:00:00+01:00", absl::UTCTimeZone()),
            absl::FromUnixSeconds(kOctoberEndsInStockholm));
  EXPECT_EQ(ParseTimeText("2026-10-31T23:00:00.5Z", absl::UTCTimeZone()),
            absl::FromUnixSeconds(kOctoberEndsInStockholm) + absl::Milliseconds(500));
}

TEST(ParseTimeText, ALocalTimeOrADateIsInTheDisplayZone) {
  std::optional<absl::TimeZone> stockholm = LoadDisplayZone("Europe/Stockholm");
  ASSERT_TRUE(stockholm.has_value());
  EXPECT_EQ(ParseTimeText("2026-11-01", *stockholm),
            absl::FromUnixSeconds(kOctoberEndsInStockholm));
  EXPECT_EQ(ParseTimeText("2026-11-01T00:00:00", *stockholm),
            absl::FromUnixSeconds(kOctoberEndsInStockholm));
  EXPECT_EQ(ParseTimeText("2026-10-31T23:00:00", absl::UTCTimeZone()),
            absl::FromUnixSeconds(kOctoberEndsInStockholm));
}

TEST(ParseTimeText, AnythingElseIsNot) {
  EXPECT_EQ(ParseTimeText("yesterday", absl::UTCTimeZone()), std::nullopt);
  EXPECT_EQ(ParseTimeText("2026-13-01", absl::UTCTimeZone()), std::nullopt);
  EXPECT_EQ(ParseTimeText("", absl::UTCTimeZone()), std::nullopt);
}

}  // namespace
}  // namespace plaudit::cli
