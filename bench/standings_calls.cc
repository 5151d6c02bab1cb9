#include "bench/standings_calls.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <httplib.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace plaudit::bench {

std::optional<StandingsRpc> ParseStandingsRpc(std::string_view name) {
  if (name == "leaderboard") return StandingsRpc::kLeaderboard;
  if (name == "explain") return StandingsRpc::kExplain;
  if (name == "summary") return StandingsRpc::kSummary;
  if (name == "decision") return StandingsRpc::kDecision;
  if (name == "wall") return StandingsRpc::kWall;
  if (name == "whoami") return StandingsRpc::kWhoAmI;
  return std::nullopt;
}

std::string DescribeStandingsRpc(StandingsRpc rpc) {
  switch (rpc) {
    case StandingsRpc::kLeaderboard:
      return "AwardService/EvaluateAwards (dry run)";
    case StandingsRpc::kExplain:
      return "AwardService/ExplainAward (random agent)";
    case StandingsRpc::kSummary:
      return "MetricService/SummarizeMetrics (random agent)";
    case StandingsRpc::kDecision:
      return "AwardService/EvaluateAwards (committed decision)";
    case StandingsRpc::kWall:
      return "AwardService/GetWall";
    case StandingsRpc::kWhoAmI:
      return "AccessService/WhoAmI";
  }
  return "?";
}

absl::Status SetEvaluatePageSize(v1::EvaluateAwardsRequest& request, int page_size) {
  // Paging of EvaluateAwards (AIP page_size / page_token) is being added to awards.proto; until
  // the field exists this reports that it cannot be sent instead of failing to build.
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("page_size");
  if (field == nullptr || field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_INT32 ||
      field->is_repeated()) {
    return absl::FailedPreconditionError(
        "--page-size: EvaluateAwardsRequest has no int32 page_size field in this build");
  }
  request.GetReflection()->SetInt32(&request, field, page_size);
  return absl::OkStatus();
}

absl::Status StandingsCaller::Check(const CallSettings& settings) {
  if (settings.program_id.empty() && settings.rpc != StandingsRpc::kSummary &&
      settings.rpc != StandingsRpc::kWhoAmI) {
    return absl::InvalidArgumentError("--program is required for this --rpc");
  }
  if (settings.page_size > 0) {
    if (settings.rpc == StandingsRpc::kWall) return absl::OkStatus();  // The wall's top.
    if (settings.rpc != StandingsRpc::kLeaderboard && settings.rpc != StandingsRpc::kDecision) {
      return absl::InvalidArgumentError(
          "--page-size goes with --rpc leaderboard, decision or wall");
    }
    v1::EvaluateAwardsRequest probe;
    return SetEvaluatePageSize(probe, settings.page_size);
  }
  return absl::OkStatus();
}

StandingsCaller::StandingsCaller(std::shared_ptr<grpc::Channel> channel,
                                 const CallSettings& settings)
    : settings_(settings),
      summary_period_(settings.period == "current"
                          ? absl::FormatTime("%Y-%m", absl::Now(), absl::UTCTimeZone())
                          : settings.period),
      awards_(v1::AwardService::NewStub(channel)),
      metrics_(v1::MetricService::NewStub(channel)),
      access_(v1::AccessService::NewStub(channel)) {}

void StandingsCaller::Prepare(grpc::ClientContext& context) const {
  context.set_deadline(std::chrono::system_clock::now() + settings_.deadline);
  if (!settings_.token.empty()) context.AddMetadata("authorization", "Bearer " + settings_.token);
  if (!settings_.actor.empty()) context.AddMetadata("x-plaudit-actor", settings_.actor);
}

std::pair<std::string, std::unique_ptr<google::protobuf::Message>> StandingsCaller::Request(
    const std::string& agent_id) const {
  switch (settings_.rpc) {
    case StandingsRpc::kLeaderboard:
    case StandingsRpc::kDecision: {
      auto request = std::make_unique<v1::EvaluateAwardsRequest>();
      request->set_program_id(settings_.program_id);
      request->set_period(settings_.period);
      request->set_dry_run(settings_.rpc == StandingsRpc::kLeaderboard);
      if (settings_.page_size > 0) request->set_page_size(settings_.page_size);
      return {"AwardService/EvaluateAwards", std::move(request)};
    }
    case StandingsRpc::kExplain: {
      auto request = std::make_unique<v1::ExplainAwardRequest>();
      request->set_program_id(settings_.program_id);
      request->set_period(settings_.period);
      request->set_agent_id(agent_id);
      return {"AwardService/ExplainAward", std::move(request)};
    }
    case StandingsRpc::kSummary: {
      auto request = std::make_unique<v1::SummarizeMetricsRequest>();
      request->set_period(summary_period_);
      request->set_agent_id(agent_id);
      return {"MetricService/SummarizeMetrics", std::move(request)};
    }
    case StandingsRpc::kWall: {
      auto request = std::make_unique<v1::GetWallRequest>();
      request->set_program_id(settings_.program_id);
      request->set_period(settings_.period);
      request->set_top(settings_.page_size);
      return {"AwardService/GetWall", std::move(request)};
    }
    case StandingsRpc::kWhoAmI:
      break;
  }
  return {"AccessService/WhoAmI", std::make_unique<v1::WhoAmIRequest>()};
}

grpc::Status StandingsCaller::CallWeb(const std::string& agent_id) const {
  // httplib's client is not for several threads at once: one per worker thread and base URL.
  thread_local std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  std::unique_ptr<httplib::Client>& client = clients[settings_.web];
  if (client == nullptr) {
    client = std::make_unique<httplib::Client>(settings_.web);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(settings_.deadline);
    client->set_read_timeout(seconds.count(), 0);
  }
  auto [method, request] = Request(agent_id);
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(*request, &json).ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "request not writable as JSON");
  }
  httplib::Headers headers;
  if (!settings_.token.empty()) headers.emplace("Authorization", "Bearer " + settings_.token);
  if (!settings_.actor.empty()) headers.emplace("X-Plaudit-Actor", settings_.actor);
  auto answer =
      client->Post(("/api/v1/plaudit.v1." + method).c_str(), headers, json, "application/json");
  if (!answer) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "HTTP: " + httplib::to_string(answer.error()));
  }
  if (answer->status != 200) {
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        absl::StrCat("HTTP ", answer->status, ": ", answer->body));
  }
  return grpc::Status::OK;
}

grpc::Status StandingsCaller::Call(const std::string& agent_id) const {
  if (!settings_.web.empty()) return CallWeb(agent_id);
  grpc::ClientContext context;
  Prepare(context);
  switch (settings_.rpc) {
    case StandingsRpc::kLeaderboard:
    case StandingsRpc::kDecision: {
      v1::EvaluateAwardsRequest request;
      request.set_program_id(settings_.program_id);
      request.set_period(settings_.period);
      request.set_dry_run(settings_.rpc == StandingsRpc::kLeaderboard);
      // Check() has made sure the field exists.
      if (settings_.page_size > 0) SetEvaluatePageSize(request, settings_.page_size).IgnoreError();
      v1::EvaluateAwardsResponse response;
      return awards_->EvaluateAwards(&context, request, &response);
    }
    case StandingsRpc::kExplain: {
      v1::ExplainAwardRequest request;
      request.set_program_id(settings_.program_id);
      request.set_period(settings_.period);
      request.set_agent_id(agent_id);
      v1::AwardExplanation response;
      return awards_->ExplainAward(&context, request, &response);
    }
    case StandingsRpc::kSummary: {
      v1::SummarizeMetricsRequest request;
      request.set_period(summary_period_);
      request.set_agent_id(agent_id);
      v1::SummarizeMetricsResponse response;
      return metrics_->SummarizeMetrics(&context, request, &response);
    }
    case StandingsRpc::kWall: {
      auto [method, request] = Request(agent_id);
      v1::Wall response;
      return awards_->GetWall(&context, static_cast<const v1::GetWallRequest&>(*request),
                              &response);
    }
    case StandingsRpc::kWhoAmI: {
      v1::Identity response;
      return access_->WhoAmI(&context, v1::WhoAmIRequest(), &response);
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown rpc");
}

}  // namespace plaudit::bench
