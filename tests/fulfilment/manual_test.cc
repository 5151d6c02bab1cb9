// The manual plugin, loaded from the build tree, keeping hand-over tasks in the fake host's state.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tests/testing/plugin_harness.h"

namespace plaudit::testing {
namespace {

int64_t Micros(int year, int month, int day, int hour = 0, int minute = 0) {
  return absl::ToUnixMicros(
      absl::FromCivil(absl::CivilMinute(year, month, day, hour, minute), absl::UTCTimeZone()));
}

pb::FulfilRequest Reward(const std::string& key, const std::map<std::string, std::string>& params) {
  pb::FulfilRequest request;
  request.set_idempotency_key(key);
  request.set_award_id("awd_" + key.substr(0, 4));
  request.set_reward_type("manual");
  request.mutable_agent()->set_id("a17");
  request.mutable_agent()->set_display_name("Zoë Lindqvist");
  for (const auto& [name, value] : params) (*request.mutable_params())[name] = value;
  return request;
}

std::vector<std::string> Cells(const pb::QueryResponse::Row& row) {
  return std::vector<std::string>(row.cells().begin(), row.cells().end());
}

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

class ManualPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.SetNowMicros(Micros(2026, 11, 22, 9, 30));
    std::string error;
    plugin_ = LoadedPlugin::Load(PluginPath("manual"), &host_, &error);
    ASSERT_NE(plugin_, nullptr) << error;
    const pb::InitResponse init = plugin_->Init(dir_.path().string(), {{"assignee_role", "hr"}});
    ASSERT_EQ(init.error(), "");
  }

  FakePluginHost host_;
  TempDir dir_;
  std::unique_ptr<LoadedPlugin> plugin_;
};

TEST_F(ManualPluginTest, DescribesItselfAndChecksItsSettings) {
  const pb::InitResponse init = plugin_->Init(dir_.path().string());
  EXPECT_EQ(init.error(), "");
  EXPECT_EQ(init.info().name(), "manual");
  ASSERT_EQ(init.info().reward_types_size(), 1);
  EXPECT_EQ(init.info().reward_types(0), "manual");
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"role", "hr"}}).error().find("unknown config"),
            std::string::npos);
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"due_days", "soon"}}).error().find("due_days"),
            std::string::npos);
  EXPECT_NE(plugin_->Init(dir_.path().string(), {{"assignee_role", "a b"}}).error().find("role"),
            std::string::npos);
}

TEST_F(ManualPluginTest, OpensATaskOncePerKey) {
  const pb::FulfilResponse opened =
      plugin_->Fulfil(Reward(kKey, {{"item", "team lunch"}, {"assignee_role", "facilities"}}));
  EXPECT_EQ(opened.outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_EQ(opened.error(),
            "task: hand over \"team lunch\" to Zoë Lindqvist (facilities, due 2026-12-06)");

  // A repeat a day later changes nothing: same task, same due date.
  host_.SetNowMicros(Micros(2026, 11, 23));
  const pb::FulfilResponse again =
      plugin_->Fulfil(Reward(kKey, {{"item", "team lunch"}, {"assignee_role", "facilities"}}));
  EXPECT_EQ(again.outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_NE(again.error().find("due 2026-12-06"), std::string::npos) << again.error();
  EXPECT_EQ(plugin_->Query("tasks").rows_size(), 1);
}

TEST_F(ManualPluginTest, RoleAndDueDaysComeFromParamsOrSettings) {
  const pb::FulfilResponse defaulted = plugin_->Fulfil(Reward("k1", {{"item", "event tickets"}}));
  EXPECT_EQ(defaulted.error(),
            "task: hand over \"event tickets\" to Zoë Lindqvist (hr, due 2026-12-06)");
  const pb::FulfilResponse soon =
      plugin_->Fulfil(Reward("k2", {{"item", "pet-friendly day"}, {"due_days", "3"}}));
  EXPECT_NE(soon.error().find("due 2026-11-25"), std::string::npos) << soon.error();

  ASSERT_EQ(plugin_->Init(dir_.path().string(), {{"due_days", "7"}}).error(), "");
  const pb::FulfilResponse no_role = plugin_->Fulfil(Reward("k3", {{"item", "trip"}}));
  EXPECT_EQ(no_role.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(no_role.error().find("assignee_role is required"), std::string::npos);
  const pb::FulfilResponse no_item = plugin_->Fulfil(Reward("k4", {{"assignee_role", "hr"}}));
  EXPECT_EQ(no_item.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
  EXPECT_NE(no_item.error().find("param item is required"), std::string::npos);
  const pb::FulfilResponse week =
      plugin_->Fulfil(Reward("k5", {{"item", "trip"}, {"assignee_role", "team-lead"}}));
  EXPECT_NE(week.error().find("(team-lead, due 2026-11-29)"), std::string::npos) << week.error();
  const pb::FulfilResponse bad_days = plugin_->Fulfil(
      Reward("k6", {{"item", "trip"}, {"assignee_role", "hr"}, {"due_days", "-1"}}));
  EXPECT_EQ(bad_days.outcome(), pb::FULFIL_OUTCOME_PERMANENT);
}

TEST_F(ManualPluginTest, CompletingNeedsAnActor) {
  ASSERT_EQ(plugin_->Fulfil(Reward(kKey, {{"item", "team lunch"}})).outcome(),
            pb::FULFIL_OUTCOME_PENDING);
  const pb::QueryResponse anonymous =
      plugin_->Query("complete", {{"idempotency_key", kKey}, {"note", "done"}});
  EXPECT_EQ(anonymous.code(), 16);
  EXPECT_NE(anonymous.error(), "");
  EXPECT_EQ(anonymous.changed_keys_size(), 0);
  EXPECT_EQ(plugin_->Lookup(Reward(kKey, {})).outcome(), pb::FULFIL_OUTCOME_PENDING);
}

TEST_F(ManualPluginTest, LookupFollowsTheTaskFromOpenToOverdueToDone) {
  EXPECT_EQ(plugin_->Lookup(Reward(kKey, {})).outcome(), pb::FULFIL_OUTCOME_NOT_FOUND);
  ASSERT_EQ(plugin_->Fulfil(Reward(kKey, {{"item", "team lunch"}})).outcome(),
            pb::FULFIL_OUTCOME_PENDING);

  const pb::FulfilResponse open = plugin_->Lookup(Reward(kKey, {}));
  EXPECT_EQ(open.outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_NE(open.error().find("awaits completion"), std::string::npos) << open.error();
  EXPECT_EQ(open.error().find("overdue"), std::string::npos) << open.error();

  host_.SetNowMicros(Micros(2026, 12, 7, 8, 0));
  const pb::FulfilResponse late = plugin_->Lookup(Reward(kKey, {}));
  EXPECT_EQ(late.outcome(), pb::FULFIL_OUTCOME_PENDING);
  EXPECT_NE(late.error().find("overdue since 2026-12-06"), std::string::npos) << late.error();

  const pb::QueryResponse done = plugin_->Query(
      "complete", {{"idempotency_key", kKey}, {"note", "lunch at Tre Kronor"}}, "kim");
  ASSERT_EQ(done.error(), "");
  ASSERT_EQ(done.changed_keys_size(), 1);
  EXPECT_EQ(done.changed_keys(0), kKey);

  const pb::FulfilResponse fulfilled = plugin_->Lookup(Reward(kKey, {}));
  EXPECT_EQ(fulfilled.outcome(), pb::FULFIL_OUTCOME_FULFILLED);
  EXPECT_EQ(fulfilled.artifact(), "handed over by kim: lunch at Tre Kronor");
  EXPECT_EQ(plugin_->Fulfil(Reward(kKey, {{"item", "team lunch"}})).outcome(),
            pb::FULFIL_OUTCOME_FULFILLED);

  const pb::QueryResponse twice =
      plugin_->Query("complete", {{"idempotency_key", kKey}, {"note", "again"}}, "lee");
  EXPECT_EQ(twice.code(), 9);
  EXPECT_NE(twice.error().find("already completed by kim at 2026-12-07 08:00"), std::string::npos)
      << twice.error();
  EXPECT_EQ(plugin_->Query("complete", {{"idempotency_key", "ffffffff"}}, "kim").code(), 5);
  EXPECT_EQ(plugin_->Query("complete", {}, "kim").code(), 3);
}

TEST_F(ManualPluginTest, TasksQueryFiltersByStatusAndRole) {
  ASSERT_EQ(
      plugin_
          ->Fulfil(Reward("aaaaaaaa-1", {{"item", "team lunch"}, {"assignee_role", "facilities"}}))
          .outcome(),
      pb::FULFIL_OUTCOME_PENDING);
  ASSERT_EQ(plugin_->Fulfil(Reward("bbbbbbbb-2", {{"item", "training course"}})).outcome(),
            pb::FULFIL_OUTCOME_PENDING);
  ASSERT_EQ(plugin_
                ->Fulfil(Reward("cccccccc-3",
                                {{"item", "named corner"}, {"assignee_role", "facilities"}}))
                .outcome(),
            pb::FULFIL_OUTCOME_PENDING);
  // A unique prefix of eight characters names a task.
  ASSERT_EQ(plugin_->Query("complete", {{"idempotency_key", "cccccccc"}}, "kim").error(), "");

  const pb::QueryResponse open = plugin_->Query("tasks");
  ASSERT_EQ(open.error(), "");
  EXPECT_EQ(std::vector<std::string>(open.columns().begin(), open.columns().end()),
            (std::vector<std::string>{"key", "award", "recipient", "item", "assignee_role", "due",
                                      "status", "completed_by", "completed_at", "note"}));
  ASSERT_EQ(open.rows_size(), 2);
  EXPECT_EQ(Cells(open.rows(0)),
            (std::vector<std::string>{"aaaaaaaa", "awd_aaaa", "Zoë Lindqvist (a17)", "team lunch",
                                      "facilities", "2026-12-06", "open", "", "", ""}));
  EXPECT_EQ(open.rows(1).cells(3), "training course");

  const pb::QueryResponse done = plugin_->Query("tasks", {{"status", "done"}});
  ASSERT_EQ(done.rows_size(), 1);
  EXPECT_EQ(done.rows(0).cells(6), "done");
  EXPECT_EQ(done.rows(0).cells(7), "kim");
  EXPECT_EQ(done.rows(0).cells(8), "2026-11-22 09:30");

  EXPECT_EQ(plugin_->Query("tasks", {{"status", "all"}}).rows_size(), 3);
  EXPECT_EQ(
      plugin_->Query("tasks", {{"status", "all"}, {"assignee_role", "facilities"}}).rows_size(), 2);
  const pb::QueryResponse hr = plugin_->Query("tasks", {{"assignee_role", "hr"}});
  ASSERT_EQ(hr.rows_size(), 1);
  EXPECT_EQ(hr.rows(0).cells(3), "training course");

  host_.SetNowMicros(Micros(2026, 12, 10));
  EXPECT_EQ(plugin_->Query("tasks").rows(0).cells(6), "overdue");
  EXPECT_EQ(plugin_->Query("tasks", {{"status", "later"}}).code(), 3);
  EXPECT_EQ(plugin_->Query("tasks", {{"role", "hr"}}).code(), 3);
}

TEST_F(ManualPluginTest, ConcurrentTasksAreAllListed) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        const std::string key = "t" + std::to_string(t) + "-k" + std::to_string(k);
        pb::FulfilResponse resp;
        for (int attempt = 0; attempt < 50; ++attempt) {
          resp = plugin_->Fulfil(Reward(key, {{"item", "gift"}}));
          if (resp.outcome() != pb::FULFIL_OUTCOME_RETRYABLE) break;
        }
        EXPECT_EQ(resp.outcome(), pb::FULFIL_OUTCOME_PENDING) << resp.error();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(plugin_->Query("tasks").rows_size(), 80);
}

}  // namespace
}  // namespace plaudit::testing
