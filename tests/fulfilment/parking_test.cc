// The parking plugin, loaded from the build tree, booking spots in the fake host's state store.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fulfilment/common/state_text.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

constexpr char kPool[] = "P1:near_entrance;P2:vip;P3:vip,near_entrance;P4";

int64_t Micros(int year, int month, int day) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilDay(year, month, day), absl::UTCTimeZone()));
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
}

// What the host sends with the label: the period's instants, [first day, day after last), at
// local midnights in `zone`.
void SetPeriod(pb::FulfilRequest* request, absl::CivilDay first, absl::CivilDay day_after_last,
               const std::string& zone_name = "UTC") {
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  SetTimestamp(absl::FromCivil(first, zone), request->mutable_period_start());
  SetTimestamp(absl::FromCivil(day_after_last, zone), request->mutable_period_end());
  request->set_time_zone(zone_name);
}

pb::FulfilRequest Reward(const std::string& key, const std::map<std::string, std::string>& params,
                         const std::string& period = "2026-10") {
  // The periods these tests use, as a UTC program's host would send them.
  static const std::map<std::string, std::pair<absl::CivilDay, absl::CivilDay>> kPeriods = {
      {"2026-10", {absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 11, 1)}},
      {"2026-11", {absl::CivilDay(2026, 11, 1), absl::CivilDay(2026, 12, 1)}},
      {"2026-Q4", {absl::CivilDay(2026, 10, 1), absl::CivilDay(2027, 1, 1)}},
      {"2026-W41", {absl::CivilDay(2026, 10, 5), absl::CivilDay(2026, 10, 12)}},
      {"2026-10-05", {absl::CivilDay(2026, 10, 5), absl::CivilDay(2026, 10, 6)}},
  };
  pb::FulfilRequest request;
  if (auto it = kPeriods.find(period); it != kPeriods.end()) {
    SetPeriod(&request, it->second.first, it->second.second);
  }
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key);
  request.set_reward_type("parking");
  request.set_period(period);
  request.mutable_agent()->set_id("a_" + key);
  request.mutable_agent()->set_display_name("Agent " + key);
  for (const auto& [name, value] : params) (*request.mutable_params())[name] = value;
  return request;
}

// Fulfils as the host's fulfilment engine would: a retryable outcome is tried again.
pb::FulfilResponse FulfilUntilSettled(LoadedPlugin& plugin, const pb::FulfilRequest& request) {
  pb::FulfilResponse resp;
  for (int attempt = 0; attempt < 50; ++attempt) {
    resp = plugin.Fulfil(request);
    if (resp.outcome() != pb::FULFIL_OUTCOME_RETRYABLE) break;
  }
  return resp;
}

class ParkingPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetNowMicros(Micros(2026, 11, 22));
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("parking"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
  }

  void Configure(std::map<std::string, std::string> config) {
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), config);
    ASSERT_EQ(init.error(), "");
  }

  // The spot a FULFILLED response names ("spot P3 (...) from ..."), or "" for other outcomes.
  static std::string SpotOf(const pb::FulfilResponse& resp) {
    if (resp.outcome() != pb::FULFIL_OUTCOME_FULFILLED) return "";
    const std::string& text = resp.artifact();
    const size_t start = text.find("spot ") + 5;
    return text.substr(start, text.find_first_of(" ", start) - start);
  }

  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(ParkingPluginTest, DescribesItselfAsTheParkingFulfilment) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string(), {{"spots", kPool}});
  EXPECT_EQ(init.error(), "");
  EXPECT_EQ(init.info().name(), "parking");
  EXPECT_EQ(init.info().kind(), pb::PLUGIN_KIND_FULFILMENT);
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "parking");
  // Spots are scarce: the host must book them best rank first.
  EXPECT_TRUE(init.info().allocates_in_rank_order());
}

TEST_F(ParkingPluginTest, BadConfigIsRefusedNamingTheSpot) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{}, "spots is required"},
      {{{"spots", "  "}}, "spots is required"},
      {{{"spots", "P1:vip;P1:ev"}}, "spot \"P1\" is listed twice"},
      {{{"spots", "P1:vip,;P2"}}, "spot \"P1\" has an empty attribute"},
      {{{"spots", "P1;;P2"}}, "entry 2 is empty"},
      {{{"spots", ":vip;P2"}}, "entry 1 (\":vip\") has no spot id"},
      {{{"spots", "P 1:vip"}}, "spot \"P 1\" has an invalid id"},
      {{{"spots", "P1;P2:VIP"}}, "spot \"P2\" has an invalid attribute \"VIP\""},
      {{{"spots", "P3:ev,ev"}}, "spot \"P3\" lists attribute \"ev\" twice"},
      {{{"spots", "P1"}, {"window", "next_year"}}, "config window must be"},
      {{{"spots", "P1"}, {"window", "days:0"}}, "config window must be"},
      {{{"spots", "P1"}, {"when_full", "maybe"}}, "when_full must be fail or wait"},
      {{{"spots", "P1"}, {"time_zone", "Mars/Olympus"}}, "unknown time zone \"Mars/Olympus\""},
      {{{"spots", "P1"}, {"spot", "P2"}}, "unknown config key \"spot\""},
  };
  for (const auto& [config, expected] : cases) {
    const std::string error = plugin_->Init(dir_.path().string(), config).error();
    EXPECT_NE(error.find(expected), std::string::npos) << "got: " << error;
  }
  EXPECT_EQ(plugin_->Init(dir_.path().string(), {{"spots", "P1:vip; P2 : ev , near ;P3;"}}).error(),
            "");
}

TEST_F(ParkingPluginTest, PrefersTheFirstAttributeThenTheNextThenPoolOrder) {
  Configure({{"spots", kPool}});
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    got.push_back(SpotOf(
        plugin_->Fulfil(Reward("vip" + std::to_string(i), {{"prefer", "vip, near_entrance"}}))));
  }
  // Both attributes, then vip alone, then near_entrance alone, then neither.
  EXPECT_EQ(got, (std::vector<std::string>{"P3", "P2", "P1", "P4"}));
}

TEST_F(ParkingPluginTest, PreferenceOrderDecidesBetweenSingleAttributes) {
  Configure({{"spots", kPool}});
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    got.push_back(SpotOf(
        plugin_->Fulfil(Reward("near" + std::to_string(i), {{"prefer", "near_entrance,vip"}}))));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"P3", "P1", "P2", "P4"}));
}

TEST_F(ParkingPluginTest, WithoutPreferencesThePoolOrderDecides) {
  Configure({{"spots", kPool}});
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k1", {}))), "P1");
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k2", {}))), "P2");
}

TEST_F(ParkingPluginTest, RequiredAttributesLimitTheChoice) {
  Configure({{"spots", "P1:vip;P2:ev;P3:ev,vip"}});
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k1", {{"require", "ev"}}))), "P2");
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k2", {{"require", "ev"}, {"prefer", "vip"}}))), "P3");
  const pb::FulfilResponse full = plugin_->Fulfil(Reward("k3", {{"require", "ev"}}));
  EXPECT_EQ(full.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(full.error().find("requiring ev"), std::string::npos) << full.error();
  EXPECT_NE(full.error().find("all 2 matching spots are booked"), std::string::npos)
      << full.error();

  const pb::FulfilResponse unknown = plugin_->Fulfil(Reward("k4", {{"prefer", "helipad"}}));
  EXPECT_EQ(unknown.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(unknown.error().find("no spot in the pool has attribute \"helipad\""),
            std::string::npos)
      << unknown.error();
  const pb::FulfilResponse typo = plugin_->Fulfil(Reward("k5", {{"prefers", "vip"}}));
  EXPECT_EQ(typo.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(typo.error().find("unknown param \"prefers\""), std::string::npos) << typo.error();
}

TEST_F(ParkingPluginTest, TheWindowFollowsTheAwardPeriod) {
  Configure({{"spots", "P1;P2;P3;P4;P5;P6"}});
  EXPECT_EQ(plugin_->Fulfil(Reward("month", {})).artifact(),
            "spot P1 from 2026-11-01 to 2026-11-30");
  EXPECT_EQ(plugin_->Fulfil(Reward("quarter", {}, "2026-Q4")).artifact(),
            "spot P1 from 2027-01-01 to 2027-01-31");
  // 2026-W41 is Monday 5 to Sunday 11 October.
  EXPECT_EQ(plugin_->Fulfil(Reward("week", {{"window", "next_week"}}, "2026-W41")).artifact(),
            "spot P1 from 2026-10-12 to 2026-10-18");
  EXPECT_EQ(plugin_->Fulfil(Reward("days", {{"window", "days:3"}}, "2026-10-05")).artifact(),
            "spot P1 from 2026-10-06 to 2026-10-08");
  EXPECT_EQ(
      plugin_->Fulfil(Reward("dates", {{"from", "2026-12-24"}, {"to", "2026-12-26"}})).artifact(),
      "spot P1 from 2026-12-24 to 2026-12-26");
  // Without the period's instants the window starts today (2026-11-22).
  EXPECT_EQ(plugin_->Fulfil(Reward("none", {{"window", "days:2"}}, "")).artifact(),
            "spot P2 from 2026-11-22 to 2026-11-23");  // P1 is booked for November

  for (const auto& [params, expected] :
       std::vector<std::pair<std::map<std::string, std::string>, std::string>>{
           {{{"from", "2026-12-01"}}, "from and to go together"},
           {{{"from", "2026-12-05"}, {"to", "2026-12-01"}}, "is before from"},
           {{{"from", "2026-02-30"}, {"to", "2026-03-01"}}, "param from must be a date"},
           {{{"window", "fortnight"}}, "param window must be"}}) {
    const pb::FulfilResponse resp = plugin_->Fulfil(Reward("bad", params));
    EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
    EXPECT_NE(resp.error().find(expected), std::string::npos) << resp.error();
  }
}

TEST_F(ParkingPluginTest, WindowFollowsThePeriodsInstantsInTheProgramsZoneNotItsLabel) {
  Configure({{"spots", "P1;P2"}});
  // October 2026 in Los Angeles ends at 2026-11-01T07:00Z: by UTC its last instant falls on
  // 1 November, which would put next_month in December.
  pb::FulfilRequest october = Reward("la", {}, "");
  october.set_period("October, Pacific time");  // a label no plugin needs to read
  SetPeriod(&october, absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 11, 1),
            "America/Los_Angeles");
  EXPECT_EQ(plugin_->Fulfil(october).artifact(), "spot P1 from 2026-11-01 to 2026-11-30");

  pb::FulfilRequest day = Reward("la-day", {{"window", "days:1"}}, "");
  SetPeriod(&day, absl::CivilDay(2026, 10, 5), absl::CivilDay(2026, 10, 6), "America/Los_Angeles");
  EXPECT_EQ(plugin_->Fulfil(day).artifact(), "spot P1 from 2026-10-06 to 2026-10-06");
}

TEST_F(ParkingPluginTest, ConfiguredWindowIsTheDefault) {
  Configure({{"spots", "P1"}, {"window", "days:7"}});
  EXPECT_EQ(plugin_->Fulfil(Reward("k1", {}, "2026-10")).artifact(),
            "spot P1 from 2026-11-01 to 2026-11-07");
}

TEST_F(ParkingPluginTest, ASpotIsSharedOnlyByWindowsThatDoNotOverlap) {
  Configure({{"spots", "P1"}});
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("nov", {}, "2026-10"))), "P1");
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("dec", {}, "2026-11"))), "P1");
  // 2026-11-30 is the November booking's last day.
  const pb::FulfilResponse overlap =
      plugin_->Fulfil(Reward("late", {{"from", "2026-11-30"}, {"to", "2026-12-01"}}));
  EXPECT_EQ(overlap.outcome(), pb::FULFIL_OUTCOME_PERMANENT) << overlap.artifact();
}

TEST_F(ParkingPluginTest, TheSameKeyBooksOnce) {
  Configure({{"spots", kPool}});
  const pb::FulfilResponse first = plugin_->Fulfil(Reward("k1", {{"prefer", "vip"}}));
  ASSERT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << first.error();
  EXPECT_EQ(first.artifact(), "spot P2 (vip) from 2026-11-01 to 2026-11-30");
  const pb::FulfilResponse again = plugin_->Fulfil(Reward("k1", {{"prefer", "vip"}}));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(again.artifact(), first.artifact());
  EXPECT_EQ(fulfilment::DecodeRecordList(host_.Get("spot/P2").value_or("")).size(), 1u);
  EXPECT_FALSE(host_.Get("spot/P3").has_value());

  const pb::FulfilResponse looked = plugin_->Lookup(Reward("k1", {}));
  EXPECT_EQ(looked.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(looked.artifact(), first.artifact());
  EXPECT_EQ(plugin_->Lookup(Reward("never", {})).outcome(), pb::FULFIL_OUTCOME_NOT_FOUND);
}

TEST_F(ParkingPluginTest, AFullPoolIsPermanentAndSaysWhy) {
  Configure({{"spots", "P1:vip;P2"}});
  ASSERT_EQ(plugin_->Fulfil(Reward("k1", {})).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  ASSERT_EQ(plugin_->Fulfil(Reward("k2", {})).outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  const pb::FulfilResponse full = plugin_->Fulfil(Reward("k3", {{"prefer", "vip"}}));
  EXPECT_EQ(full.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_EQ(full.error(),
            "no parking spot is free from 2026-11-01 to 2026-11-30 (preferring vip): all 2 spots "
            "are booked");
  EXPECT_FALSE(host_.Get("booking/k3").has_value());
}

TEST_F(ParkingPluginTest, WaitingRewardsBookOnceASpotIsReleased) {
  Configure({{"spots", "P1:vip"}, {"when_full", "wait"}});
  ASSERT_EQ(SpotOf(plugin_->Fulfil(Reward("first", {}))), "P1");
  const pb::FulfilResponse waiting = plugin_->Fulfil(Reward("second", {{"prefer", "vip"}}));
  EXPECT_EQ(waiting.outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_NE(waiting.error().find("no parking spot is free from 2026-11-01 to 2026-11-30"),
            std::string::npos)
      << waiting.error();
  EXPECT_EQ(plugin_->Lookup(Reward("second", {})).outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_EQ(plugin_->Fulfil(Reward("second", {})).outcome(), pb::FULFIL_OUTCOME_PENDING);

  const pb::QueryResponse calendar = plugin_->Query("calendar");
  EXPECT_EQ(calendar.text(), "1 reward is waiting for a spot");

  const pb::QueryResponse released =
      plugin_->Query("release", {{"idempotency_key", "first"}}, "ops-lead");
  ASSERT_EQ(released.error(), "");
  ASSERT_EQ(released.changed_keys_size(), 1);
  EXPECT_EQ(released.changed_keys(0), "second");

  const pb::FulfilResponse booked = plugin_->Lookup(Reward("second", {}));
  EXPECT_EQ(booked.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << booked.error();
  EXPECT_EQ(booked.artifact(), "spot P1 (vip) from 2026-11-01 to 2026-11-30");
  const pb::FulfilResponse gone = plugin_->Lookup(Reward("first", {}));
  EXPECT_EQ(gone.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(gone.error().find("released by ops-lead"), std::string::npos) << gone.error();
  EXPECT_EQ(fulfilment::DecodeRecordList(host_.Get("waiting").value_or("")).size(), 0u);
}

TEST_F(ParkingPluginTest, ReleaseNeedsAnActorAndABooking) {
  Configure({{"spots", "P1"}});
  ASSERT_EQ(SpotOf(plugin_->Fulfil(Reward("k1", {}))), "P1");
  EXPECT_EQ(plugin_->Query("release", {{"idempotency_key", "k1"}}).code(), 16);
  EXPECT_EQ(plugin_->Query("release", {}, "ops-lead").code(), 3);
  EXPECT_EQ(plugin_->Query("release", {{"idempotency_key", "nope"}}, "ops-lead").code(), 5);
  EXPECT_EQ(plugin_->Query("release", {{"idempotency_key", "k1"}}, "ops-lead").error(), "");
  EXPECT_EQ(plugin_->Query("release", {{"idempotency_key", "k1"}}, "ops-lead").code(), 9);
  // The spot is free again for a new reward.
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k2", {}))), "P1");
  EXPECT_EQ(plugin_->Query("frobnicate").code(), 5);
}

TEST_F(ParkingPluginTest, CalendarListsTheMonthsBookingsAndFreeSpots) {
  Configure({{"spots", "P1:vip,near_entrance;P2:ev;P3"}});
  ASSERT_EQ(SpotOf(plugin_->Fulfil(Reward("k1", {}, "2026-10"))), "P1");
  ASSERT_EQ(SpotOf(plugin_->Fulfil(Reward("k2", {{"require", "ev"}}, "2026-10"))), "P2");
  ASSERT_EQ(SpotOf(plugin_->Fulfil(Reward("k3", {}, "2026-11"))), "P1");

  const pb::QueryResponse november = plugin_->Query("calendar", {{"month", "2026-11"}});
  ASSERT_EQ(november.error(), "");
  EXPECT_EQ(std::vector<std::string>(november.columns().begin(), november.columns().end()),
            (std::vector<std::string>{"spot", "attributes", "from", "to", "agent", "award"}));
  ASSERT_EQ(november.rows_size(), 3);
  auto cells = [](const pb::QueryResponse::Row& row) {
    return std::vector<std::string>(row.cells().begin(), row.cells().end());
  };
  EXPECT_EQ(cells(november.rows(0)),
            (std::vector<std::string>{"P1", "vip,near_entrance", "2026-11-01", "2026-11-30",
                                      "Agent k1 (a_k1)", "awd_k1"}));
  EXPECT_EQ(cells(november.rows(1)),
            (std::vector<std::string>{"P2", "ev", "2026-11-01", "2026-11-30", "Agent k2 (a_k2)",
                                      "awd_k2"}));
  EXPECT_EQ(cells(november.rows(2)), (std::vector<std::string>{"P3", "", "", "", "(free)", ""}));

  const pb::QueryResponse december = plugin_->Query("calendar", {{"month", "2026-12"}});
  ASSERT_EQ(december.rows_size(), 3);
  EXPECT_EQ(december.rows(0).cells(4), "Agent k3 (a_k3)");
  EXPECT_EQ(december.rows(1).cells(4), "(free)");

  // Without a month: everything from today (2026-11-22) on, both bookings of P1.
  const pb::QueryResponse upcoming = plugin_->Query("calendar");
  ASSERT_EQ(upcoming.rows_size(), 4);
  EXPECT_EQ(upcoming.rows(0).cells(2), "2026-11-01");
  EXPECT_EQ(upcoming.rows(1).cells(2), "2026-12-01");

  EXPECT_EQ(plugin_->Query("calendar", {{"month", "November"}}).code(), 3);
  EXPECT_EQ(plugin_->Query("calendar", {{"month", "2026-13"}}).code(), 3);
  EXPECT_EQ(plugin_->Query("calendar", {{"year", "2026"}}).code(), 3);
}

TEST_F(ParkingPluginTest, StoreFailureIsRetryableAndBooksNothing) {
  Configure({{"spots", "P1"}});
  host_.FailCommits("disk full");
  const pb::FulfilResponse failed = plugin_->Fulfil(Reward("k1", {}));
  EXPECT_EQ(failed.outcome(), pb::FULFIL_OUTCOME_RETRYABLE);
  EXPECT_NE(failed.error().find("disk full"), std::string::npos) << failed.error();
  EXPECT_TRUE(host_.State().empty());
  host_.FailCommits("");
  EXPECT_EQ(SpotOf(plugin_->Fulfil(Reward("k1", {}))), "P1");
}

// N threads fulfil M rewards with overlapping windows (each reward by two threads at once): no
// spot is ever booked twice for a day, every reward is booked once or told that none is free,
// and a reward told so really had no free spot (bookings are never removed here).
TEST_F(ParkingPluginTest, ConcurrentFulfilmentsNeverDoubleBook) {
  constexpr int kThreads = 8;
  constexpr int kRewards = 64;
  const std::vector<std::string> spot_ids = {"S1", "S2", "S3", "S4", "S5"};
  Configure({{"spots", "S1:vip;S2;S3:vip;S4;S5:ev"}});

  std::vector<pb::FulfilRequest> requests;
  std::vector<std::pair<absl::CivilDay, absl::CivilDay>> windows;
  for (int i = 0; i < kRewards; ++i) {
    const absl::CivilDay from = absl::CivilDay(2026, 12, 1) + (i * 7) % 20;
    const absl::CivilDay to = from + (i % 5);
    windows.emplace_back(from, to);
    requests.push_back(Reward("r" + std::to_string(i), {{"from", fulfilment::FormatDay(from)},
                                                        {"to", fulfilment::FormatDay(to)},
                                                        {"prefer", i % 2 == 0 ? "vip" : ""}}));
  }

  std::mutex mu;
  std::map<std::string, std::vector<pb::FulfilResponse>> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRewards; ++i) {
        // Thread t takes rewards i with i % (kThreads / 2) == t % (kThreads / 2): two threads each.
        if (i % (kThreads / 2) != t % (kThreads / 2)) continue;
        const pb::FulfilResponse resp = FulfilUntilSettled(*plugin_, requests[i]);
        std::lock_guard<std::mutex> lock(mu);
        results[requests[i].idempotency_key()].push_back(resp);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  // Every spot's bookings, as stored.
  std::map<std::string, std::vector<std::tuple<absl::CivilDay, absl::CivilDay, std::string>>>
      booked;
  std::map<std::string, int> times_booked;
  for (const std::string& spot : spot_ids) {
    for (const auto& record :
         fulfilment::DecodeRecordList(host_.Get("spot/" + spot).value_or(""))) {
      ASSERT_GE(record.size(), 3u);
      const auto from = fulfilment::ParseDay(record[0]);
      const auto to = fulfilment::ParseDay(record[1]);
      ASSERT_TRUE(from && to);
      booked[spot].emplace_back(*from, *to, record[2]);
      ++times_booked[record[2]];
    }
  }
  for (const auto& [spot, list] : booked) {
    for (size_t a = 0; a < list.size(); ++a) {
      for (size_t b = a + 1; b < list.size(); ++b) {
        const bool overlap = std::get<0>(list[a]) <= std::get<1>(list[b]) &&
                             std::get<0>(list[b]) <= std::get<1>(list[a]);
        EXPECT_FALSE(overlap) << spot << " is double-booked by " << std::get<2>(list[a]) << " and "
                              << std::get<2>(list[b]);
      }
    }
  }

  int fulfilled = 0;
  for (int i = 0; i < kRewards; ++i) {
    const std::string key = requests[i].idempotency_key();
    ASSERT_EQ(results[key].size(), 2u) << key;
    const pb::FulfilResponse& first = results[key][0];
    const pb::FulfilResponse& second = results[key][1];
    if (first.outcome() == pb::FULFIL_OUTCOME_FULFILLED ||
        second.outcome() == pb::FULFIL_OUTCOME_FULFILLED) {
      ++fulfilled;
      EXPECT_EQ(times_booked[key], 1) << key;
      // Both calls for the key report the one booking.
      EXPECT_EQ(first.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << key << ": " << first.error();
      EXPECT_EQ(second.outcome(), pb::FULFIL_OUTCOME_FULFILLED) << key << ": " << second.error();
      EXPECT_EQ(second.artifact(), first.artifact()) << key;
      continue;
    }
    EXPECT_EQ(second.outcome(), pb::FULFIL_OUTCOME_PERMANENT) << key << ": " << second.error();
    EXPECT_EQ(times_booked[key], 0) << key;
    EXPECT_EQ(first.outcome(), pb::FULFIL_OUTCOME_PERMANENT) << key << ": " << first.error();
    EXPECT_NE(first.error().find("no parking spot is free from " +
                                 fulfilment::FormatDay(windows[i].first)),
              std::string::npos)
        << first.error();
    // None free, then and now: every spot holds a booking overlapping the window.
    for (const std::string& spot : spot_ids) {
      bool taken = false;
      for (const auto& [from, to, other] : booked[spot]) {
        taken = taken || (from <= windows[i].second && windows[i].first <= to);
      }
      EXPECT_TRUE(taken) << key << " was refused though " << spot << " was free";
    }
  }
  EXPECT_GT(fulfilled, 10);
  EXPECT_LT(fulfilled, kRewards);  // the pool is too small for every window: some were refused
}

}  // namespace
}  // namespace plaudit::testing
