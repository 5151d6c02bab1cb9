// gRPC service implementations: each translates requests into calls on the core stages and their
// results back into messages. No domain logic lives here.
#ifndef PLAUDIT_CORE_API_SERVICES_H_
#define PLAUDIT_CORE_API_SERVICES_H_

#include <functional>

#include "core/api/access_gate.h"
#include "core/api/event_streams.h"
#include "core/api/standings_pages.h"
#include "core/awards/award_decider.h"
#include "core/awards/period_closer.h"
#include "core/fulfilment/fulfilment_engine.h"
#include "core/ingest/ingest.h"
#include "core/plugin_host/plugin_host.h"
#include "core/store/store.h"
#include "plaudit/v1/agents.grpc.pb.h"
#include "plaudit/v1/awards.grpc.pb.h"
#include "plaudit/v1/fulfilments.grpc.pb.h"
#include "plaudit/v1/metrics.grpc.pb.h"
#include "plaudit/v1/plugins.grpc.pb.h"
#include "plaudit/v1/programs.grpc.pb.h"

namespace plaudit::api {

namespace v1 = ::plaudit::v1;

class AgentServiceImpl final : public v1::AgentService::Service {
 public:
  AgentServiceImpl(Store* store, AccessGate* gate) : store_(store), gate_(gate) {}
  grpc::Status ImportAgents(grpc::ServerContext*, const v1::ImportAgentsRequest*,
                            v1::ImportAgentsResponse*) override;
  grpc::Status ListAgents(grpc::ServerContext*, const v1::ListAgentsRequest*,
                          v1::ListAgentsResponse*) override;
  grpc::Status GetAgent(grpc::ServerContext*, const v1::GetAgentRequest*, v1::Agent*) override;

 private:
  Store* store_;
  AccessGate* gate_;
};

// The streamed imports are callback methods (see event_streams.h); the rest are synchronous.
class MetricServiceImpl final
    : public v1::MetricService::WithRawCallbackMethod_ImportEvents<
          v1::MetricService::WithRawCallbackMethod_StreamEvents<v1::MetricService::Service>> {
 public:
  // Streams that send nothing for `stream_idle_timeout` are ended. Admins may replace stored
  // events.
  MetricServiceImpl(Store* store, EventIngestor* ingestor, Clock* clock, AccessGate* gate,
                    absl::Duration stream_idle_timeout);
  grpc::Status ListMetrics(grpc::ServerContext*, const v1::ListMetricsRequest*,
                           v1::ListMetricsResponse*) override;
  grpc::Status BatchCreateEvents(grpc::ServerContext*, const v1::BatchCreateEventsRequest*,
                                 v1::BatchCreateEventsResponse*) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportEvents(grpc::CallbackServerContext* context,
                                                          grpc::ByteBuffer* response) override;
  grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* StreamEvents(
      grpc::CallbackServerContext* context) override;
  grpc::Status SummarizeMetrics(grpc::ServerContext*, const v1::SummarizeMetricsRequest*,
                                v1::SummarizeMetricsResponse*) override;

 private:
  Store* store_;
  EventIngestor* ingestor_;
  Clock* clock_;
  AccessGate* gate_;
  // Writes are serialized by the store anyway; a second worker lets one stream's rows be checked
  // while another's are written.
  ChunkWorkers workers_{2};
  IdleStreamWatch idle_;
};

class ProgramServiceImpl final : public v1::ProgramService::Service {
 public:
  ProgramServiceImpl(Store* store, AwardDecider* decider, PeriodCloser* closer, AccessGate* gate)
      : store_(store), decider_(decider), closer_(closer), gate_(gate) {}
  grpc::Status ApplyProgram(grpc::ServerContext*, const v1::ApplyProgramRequest*,
                            v1::Program*) override;
  grpc::Status ListPrograms(grpc::ServerContext*, const v1::ListProgramsRequest*,
                            v1::ListProgramsResponse*) override;
  grpc::Status GetProgram(grpc::ServerContext*, const v1::GetProgramRequest*,
                          v1::Program*) override;
  grpc::Status SimulateProgram(grpc::ServerContext*, const v1::SimulateProgramRequest*,
                               v1::SimulateProgramResponse*) override;
  grpc::Status ListProgramStatus(grpc::ServerContext*, const v1::ListProgramStatusRequest*,
                                 v1::ListProgramStatusResponse*) override;

 private:
  Store* store_;
  AwardDecider* decider_;
  PeriodCloser* closer_;
  AccessGate* gate_;
};

class AwardServiceImpl final : public v1::AwardService::Service {
 public:
  // `committed` is called after a decision was newly committed (to wake the fulfilment engine).
  // `committed` is also called after an approval released rewards.
  AwardServiceImpl(Store* store, AwardDecider* decider, Clock* clock,
                   std::function<void()> committed, AccessGate* gate)
      : store_(store),
        decider_(decider),
        clock_(clock),
        committed_(std::move(committed)),
        gate_(gate) {}
  grpc::Status EvaluateAwards(grpc::ServerContext*, const v1::EvaluateAwardsRequest*,
                              v1::EvaluateAwardsResponse*) override;
  grpc::Status ListAwards(grpc::ServerContext*, const v1::ListAwardsRequest*,
                          v1::ListAwardsResponse*) override;
  grpc::Status ExplainAward(grpc::ServerContext*, const v1::ExplainAwardRequest*,
                            v1::AwardExplanation*) override;
  grpc::Status ApproveAward(grpc::ServerContext*, const v1::ApproveAwardRequest*,
                            v1::Award*) override;
  grpc::Status RejectAward(grpc::ServerContext*, const v1::RejectAwardRequest*,
                           v1::Award*) override;
  grpc::Status CancelAward(grpc::ServerContext*, const v1::CancelAwardRequest*,
                           v1::Award*) override;
  grpc::Status GetAwardHistory(grpc::ServerContext*, const v1::GetAwardHistoryRequest*,
                               v1::AwardHistory*) override;
  grpc::Status GetBudget(grpc::ServerContext*, const v1::GetBudgetRequest*, v1::Budget*) override;
  grpc::Status GetWall(grpc::ServerContext*, const v1::GetWallRequest*, v1::Wall*) override;

 private:
  grpc::Status Act(grpc::ServerContext* context, std::string_view method,
                   const std::string& award_id, const std::string& reason, AwardAction action,
                   v1::Award* response);
  // NOT_FOUND when the award is beyond the caller's reach (none of its recipients is).
  absl::Status CheckAward(const Caller& caller, const std::string& award_id) const;
  // Whether the award's agent (or, for a team award, its team) is within the caller's reach.
  bool Reaches(const Caller& caller, const AwardRecord& award) const;
  // Adds the page of `source`'s standings that `query` asks for to `response`, with the metrics
  // and reasons of standings beyond the caller's reach cleared.
  absl::Status PageStandings(const Caller& caller, StandingsSource& source,
                             const StandingsQuery& query,
                             v1::EvaluateAwardsResponse* response) const;

  Store* store_;
  AwardDecider* decider_;
  Clock* clock_;
  std::function<void()> committed_;
  AccessGate* gate_;
};

class FulfilmentServiceImpl final : public v1::FulfilmentService::Service {
 public:
  // `callback_secrets`: per plugin name, the HMAC key its vendor signs callbacks with.
  FulfilmentServiceImpl(Store* store, PluginHost* host, FulfilmentEngine* engine, Clock* clock,
                        AccessGate* gate, std::map<std::string, std::string> callback_secrets)
      : store_(store),
        host_(host),
        engine_(engine),
        clock_(clock),
        gate_(gate),
        callback_secrets_(std::move(callback_secrets)) {}
  grpc::Status ListFulfilments(grpc::ServerContext*, const v1::ListFulfilmentsRequest*,
                               v1::ListFulfilmentsResponse*) override;
  grpc::Status GetFulfilment(grpc::ServerContext*, const v1::GetFulfilmentRequest*,
                             v1::FulfilmentDetail*) override;
  grpc::Status RetryFulfilment(grpc::ServerContext*, const v1::RetryFulfilmentRequest*,
                               v1::Fulfilment*) override;
  grpc::Status CancelFulfilment(grpc::ServerContext*, const v1::CancelFulfilmentRequest*,
                                v1::Fulfilment*) override;
  grpc::Status CompleteFulfilment(grpc::ServerContext*, const v1::CompleteFulfilmentRequest*,
                                  v1::Fulfilment*) override;
  grpc::Status DeliverCallback(grpc::ServerContext*, const v1::DeliverCallbackRequest*,
                               v1::DeliverCallbackResponse*) override;

 private:
  // The fulfilment, or NOT_FOUND when there is none or it is beyond the caller's reach.
  absl::StatusOr<FulfilmentRecord> Reachable(const Caller& caller,
                                             const std::string& fulfilment_id) const;
  Store* store_;
  PluginHost* host_;
  FulfilmentEngine* engine_;
  Clock* clock_;
  AccessGate* gate_;
  const std::map<std::string, std::string> callback_secrets_;
};

class PluginServiceImpl final : public v1::PluginService::Service {
 public:
  // `changed` receives the idempotency keys of rewards a query may have changed (a completed
  // manual task), to look them up now.
  // `store` holds the audit trail, where revocations are looked up.
  PluginServiceImpl(PluginHost* host, AccessGate* gate, Store* store,
                    std::function<void(const std::vector<std::string>&)> changed)
      : host_(host), gate_(gate), store_(store), changed_(std::move(changed)) {}
  grpc::Status ListPlugins(grpc::ServerContext*, const v1::ListPluginsRequest*,
                           v1::ListPluginsResponse*) override;
  grpc::Status QueryPlugin(grpc::ServerContext*, const v1::QueryPluginRequest*,
                           v1::QueryPluginResponse*) override;
  grpc::Status ListSources(grpc::ServerContext*, const v1::ListSourcesRequest*,
                           v1::ListSourcesResponse*) override;
  grpc::Status ListUnmatched(grpc::ServerContext*, const v1::ListUnmatchedRequest*,
                             v1::ListUnmatchedResponse*) override;

 private:
  // A certificate verified valid whose revocation the audit trail records is revoked.
  absl::Status ApplyAuditedRevocations(v1::QueryPluginResponse* response) const;

  PluginHost* host_;
  AccessGate* gate_;
  Store* store_;
  std::function<void(const std::vector<std::string>&)> changed_;
};

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_SERVICES_H_
