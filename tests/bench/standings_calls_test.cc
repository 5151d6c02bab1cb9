#include "bench/standings_calls.h"

#include <gtest/gtest.h>

namespace plaudit::bench {
namespace {

TEST(ParseStandingsRpc, KnowsEachRpcByItsFlagName) {
  EXPECT_EQ(ParseStandingsRpc("leaderboard"), StandingsRpc::kLeaderboard);
  EXPECT_EQ(ParseStandingsRpc("explain"), StandingsRpc::kExplain);
  EXPECT_EQ(ParseStandingsRpc("summary"), StandingsRpc::kSummary);
  EXPECT_EQ(ParseStandingsRpc("decision"), StandingsRpc::kDecision);
  EXPECT_EQ(ParseStandingsRpc("whoami"), StandingsRpc::kWhoAmI);
  EXPECT_EQ(ParseStandingsRpc("Leaderboard"), std::nullopt);
}

TEST(StandingsCaller, NeedsAProgramForTheAwardRpcs) {
  CallSettings settings;
  settings.rpc = StandingsRpc::kExplain;
  EXPECT_EQ(StandingsCaller::Check(settings).code(), absl::StatusCode::kInvalidArgument);
  settings.rpc = StandingsRpc::kSummary;
  EXPECT_TRUE(StandingsCaller::Check(settings).ok());
}

TEST(SetEvaluatePageSize, SetsTheFieldWhenTheRequestHasOneAndSaysSoWhenNot) {
  v1::EvaluateAwardsRequest request;
  const bool has_field = request.GetDescriptor()->FindFieldByName("page_size") != nullptr;
  absl::Status set = SetEvaluatePageSize(request, 50);
  if (has_field) {
    ASSERT_TRUE(set.ok()) << set;
    const auto* field = request.GetDescriptor()->FindFieldByName("page_size");
    EXPECT_EQ(request.GetReflection()->GetInt32(request, field), 50);
  } else {
    EXPECT_EQ(set.code(), absl::StatusCode::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace plaudit::bench
