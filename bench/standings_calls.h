// One call of each kind the load generator makes, over the project's own stubs: the live
// leaderboard (EvaluateAwards, dry run), one agent's explanation (ExplainAward), one agent's
// month of metrics (SummarizeMetrics), a committed decision returned as stored (EvaluateAwards
// of a decided period), the wall display's view (GetWall) and WhoAmI (the cost of a call that
// does no work: the floor). With `web` set, the same requests go to the pages' JSON API over
// HTTP instead (POST /api/v1/...), as a page would send them, one keep-alive connection per
// worker thread.
//
// A StandingsCaller holds stubs on one channel and is safe to use from several threads at once
// (gRPC stubs are); each call is synchronous and carries its own deadline and metadata.
#ifndef PLAUDIT_BENCH_STANDINGS_CALLS_H_
#define PLAUDIT_BENCH_STANDINGS_CALLS_H_

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "plaudit/v1/access.grpc.pb.h"
#include "plaudit/v1/awards.grpc.pb.h"
#include "plaudit/v1/metrics.grpc.pb.h"

namespace plaudit::bench {

enum class StandingsRpc { kLeaderboard, kExplain, kSummary, kDecision, kWall, kWhoAmI };

// "leaderboard", "explain", "summary", "decision", "wall", "whoami"; nullopt for anything else.
std::optional<StandingsRpc> ParseStandingsRpc(std::string_view name);
// The method it calls, with what it asks for ("AwardService/EvaluateAwards (dry run)").
std::string DescribeStandingsRpc(StandingsRpc rpc);

struct CallSettings {
  StandingsRpc rpc = StandingsRpc::kLeaderboard;
  std::string program_id;
  // A label of the program's cadence, or "current". SummarizeMetrics takes a month only: there
  // "current" becomes the current month in UTC.
  std::string period = "current";
  // Sent as "authorization: Bearer <token>" when not empty.
  std::string token;
  // Sent as x-plaudit-actor (development mode's claimed name) when not empty.
  std::string actor;
  std::chrono::milliseconds deadline{120000};
  // EvaluateAwards' page size when above 0 (see SetEvaluatePageSize); GetWall's top.
  int page_size = 0;
  // The pages' base URL (http://127.0.0.1:8080): call the JSON API instead of gRPC.
  std::string web;
};

// Sets EvaluateAwardsRequest's page size by field name, so that this builds whether or not the
// request has paging yet. FAILED_PRECONDITION when this build's request has no int32 page_size.
absl::Status SetEvaluatePageSize(v1::EvaluateAwardsRequest& request, int page_size);

class StandingsCaller {
 public:
  // INVALID_ARGUMENT for settings the RPC cannot be made with (--page-size without the field).
  static absl::Status Check(const CallSettings& settings);

  StandingsCaller(std::shared_ptr<grpc::Channel> channel, const CallSettings& settings);

  // One call; `agent_id` is the agent explained or summarised (unused by the others).
  grpc::Status Call(const std::string& agent_id) const;

 private:
  void Prepare(grpc::ClientContext& context) const;
  // The call as the pages' JSON API takes it.
  grpc::Status CallWeb(const std::string& agent_id) const;
  // The request of this settings' RPC for `agent_id`, and its API path (Service/Method).
  std::pair<std::string, std::unique_ptr<google::protobuf::Message>> Request(
      const std::string& agent_id) const;

  CallSettings settings_;
  std::string summary_period_;
  std::unique_ptr<v1::AwardService::Stub> awards_;
  std::unique_ptr<v1::MetricService::Stub> metrics_;
  std::unique_ptr<v1::AccessService::Stub> access_;
};

}  // namespace plaudit::bench

#endif  // PLAUDIT_BENCH_STANDINGS_CALLS_H_
