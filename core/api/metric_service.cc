#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/api/actor.h"
#include "core/api/pagination.h"
#include "core/api/request_limits.h"
#include "core/api/services.h"
#include "core/api/status.h"
#include "core/domain/metric_catalogue.h"
#include "core/domain/period.h"

namespace plaudit::api {
namespace {

v1::IngestOutcome OutcomeProto(EventOutcome outcome) {
  switch (outcome) {
    case EventOutcome::kStored:
      return v1::INGEST_OUTCOME_STORED;
    case EventOutcome::kDuplicate:
      return v1::INGEST_OUTCOME_DUPLICATE;
    case EventOutcome::kReplaced:
      return v1::INGEST_OUTCOME_REPLACED;
    case EventOutcome::kRejected:
      break;
  }
  return v1::INGEST_OUTCOME_REJECTED;
}

}  // namespace

MetricServiceImpl::MetricServiceImpl(Store* store, EventIngestor* ingestor, Clock* clock,
                                     AccessGate* gate, absl::Duration stream_idle_timeout)
    : store_(store), ingestor_(ingestor), clock_(clock), gate_(gate), idle_(stream_idle_timeout) {}

grpc::Status MetricServiceImpl::ListMetrics(grpc::ServerContext* context,
                                            const v1::ListMetricsRequest*,
                                            v1::ListMetricsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.MetricService/ListMetrics");
  for (const MetricSpec& spec : BuiltInMetrics()) {
    auto* m = response->add_metrics();
    m->set_name(spec.name);
    m->set_description(spec.description);
    m->set_direction(spec.direction == Direction::kLowerIsBetter ? v1::DIRECTION_LOWER_IS_BETTER
                                                                 : v1::DIRECTION_HIGHER_IS_BETTER);
    m->set_has_min(true);
    m->set_min(spec.min);
    m->set_has_max(true);
    m->set_max(spec.max);
  }
  return grpc::Status::OK;
}

grpc::Status MetricServiceImpl::BatchCreateEvents(grpc::ServerContext* context,
                                                  const v1::BatchCreateEventsRequest* request,
                                                  v1::BatchCreateEventsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.MetricService/BatchCreateEvents");
  gate_->NoteResource(*context, absl::StrCat("events (", request->events_size(), ")"));
  if (request->events_size() > kMaxEventsPerBatch) {
    return ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("events: the batch has ", request->events_size(), " events; the limit is ",
                     kMaxEventsPerBatch,
                     " per batch: send several batches, or stream them with "
                     "StreamEvents")));
  }
  std::optional<EventReplacement> replacement;
  if (request->replace()) {
    auto admin = CorrectingAdmin(caller, request->reason());
    if (!admin.ok()) return ToGrpcStatus(admin.status());
    replacement =
        EventReplacement{*std::move(admin), request->reason(), absl::ToUnixMicros(clock_->Now())};
  } else if (!request->reason().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("reason: given without replace"));
  }
  // Timestamps are checked here (they arrive typed); everything else by the ingestor.
  std::vector<EventResult> results(request->events_size());
  std::vector<EventInput> events;
  std::vector<int> index;
  for (int i = 0; i < request->events_size(); ++i) {
    const v1::MetricEvent& e = request->events(i);
    const auto& t = e.occurred_at();
    if (!e.has_occurred_at()) {
      results[i] = EventResult{EventOutcome::kRejected, "occurred_at: required"};
      continue;
    }
    // Timestamp's valid range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
    if (t.seconds() < -62135596800 || t.seconds() > 253402300799 || t.nanos() < 0 ||
        t.nanos() > 999999999) {
      results[i] = EventResult{EventOutcome::kRejected, "occurred_at: not a valid timestamp"};
      continue;
    }
    events.push_back(EventInput{e.event_id(), e.agent_id(), e.metric(), e.value(),
                                absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos())});
    index.push_back(i);
  }
  auto ingested = ingestor_->IngestEvents(events, replacement);
  if (!ingested.ok()) return ToGrpcStatus(ingested.status());
  for (size_t k = 0; k < ingested->size(); ++k) results[index[k]] = (*ingested)[k];
  for (int i = 0; i < request->events_size(); ++i) {
    auto* r = response->add_results();
    r->set_event_id(request->events(i).event_id());
    const EventResult& result = results[i];
    r->set_outcome(OutcomeProto(result.outcome));
    r->set_error(result.error);
  }
  return grpc::Status::OK;
}

grpc::ServerReadReactor<grpc::ByteBuffer>* MetricServiceImpl::ImportEvents(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return StartEventImport(EventStreamDeps{ingestor_, &workers_, &idle_, gate_, clock_}, context,
                          response);
}

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* MetricServiceImpl::StreamEvents(
    grpc::CallbackServerContext* context) {
  return StartEventStream(EventStreamDeps{ingestor_, &workers_, &idle_, gate_, clock_}, context);
}

grpc::Status MetricServiceImpl::SummarizeMetrics(grpc::ServerContext* context,
                                                 const v1::SummarizeMetricsRequest* request,
                                                 v1::SummarizeMetricsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.MetricService/SummarizeMetrics");
  // An agent sees their own figures only: asking for nobody in particular means themselves.
  const std::string agent_id = caller.reach == Reach::kSelf && request->agent_id().empty()
                                   ? caller.agent_id
                                   : request->agent_id();
  if (caller.reach == Reach::kSelf && agent_id.empty()) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat(caller.subject, " is not an agent here: there are no figures of theirs")));
  }
  if (!agent_id.empty() && !gate_->Covers(caller, agent_id)) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("agent_id: agent \"", agent_id, "\" not found")));
  }
  auto zone = LoadZone(request->time_zone().empty() ? "UTC" : request->time_zone());
  if (!zone.ok()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError(absl::StrCat("time_zone: ", zone.status().message())));
  }
  auto window = MonthPeriod(request->period(), *zone);
  if (!window.ok()) {
    return ToGrpcStatus(
        absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message())));
  }
  if (request->page_size() < 0) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", request->page_size())));
  }
  // The token is the last (agent, metric) sent, so each page continues the index walk.
  std::string after_agent, after_metric;
  if (!request->page_token().empty()) {
    std::string key;
    if (!absl::WebSafeBase64Unescape(request->page_token(), &key) ||
        key.find('\x1f') == std::string::npos) {
      return ToGrpcStatus(
          absl::InvalidArgumentError("page_token: not a token returned by this list"));
    }
    after_agent = key.substr(0, key.find('\x1f'));
    after_metric = key.substr(key.find('\x1f') + 1);
  }
  int limit = request->page_size() == 0 ? 100 : std::min(request->page_size(), 1000);
  auto rows =
      store_->AggregatePage(absl::ToUnixMicros(window->start), absl::ToUnixMicros(window->end),
                            agent_id, after_agent, after_metric, limit + 1);
  if (!rows.ok()) return ToGrpcStatus(rows.status());
  if (!agent_id.empty() && rows->empty() && request->page_token().empty()) {
    auto agent = store_->GetAgent(agent_id);
    if (agent.ok() && !agent->has_value()) {
      return ToGrpcStatus(
          absl::NotFoundError(absl::StrCat("agent_id: agent \"", agent_id, "\" not found")));
    }
  }
  const bool more = rows->size() > static_cast<size_t>(limit);
  if (more) rows->resize(limit);
  // The page's last key is kept before rows beyond the caller's reach are left out.
  const std::string last_key =
      more ? absl::StrCat(rows->back().agent_id, "\x1f", rows->back().metric) : "";
  if (agent_id.empty() && caller.reach != Reach::kAll) {
    std::erase_if(*rows,
                  [&](const AggregateRow& row) { return !gate_->Covers(caller, row.agent_id); });
  }
  for (const AggregateRow& row : *rows) {
    auto* out = response->add_rows();
    out->set_agent_id(row.agent_id);
    out->set_metric(row.metric);
    out->set_samples(row.aggregate.samples);
    out->set_sum(row.aggregate.sum);
    out->set_mean(row.aggregate.samples ? row.aggregate.sum / row.aggregate.samples : 0);
    out->set_min(row.aggregate.min);
    out->set_max(row.aggregate.max);
  }
  if (more) {
    std::string token;
    absl::WebSafeBase64Escape(last_key, &token);
    response->set_next_page_token(token);
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api
