// The columns each list command shows, and the row for one resource. Table, CSV and JSON output
// all come from these, so the three formats always agree on names and order.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_RESOURCE_TABLES_H_
#define PLAUDIT_CLIENTS_PLAUDIT_RESOURCE_TABLES_H_

#include <vector>

#include "absl/time/time.h"
#include "clients/plaudit/table.h"
#include "plaudit/v1/agents.pb.h"
#include "plaudit/v1/awards.pb.h"
#include "plaudit/v1/fulfilments.pb.h"
#include "plaudit/v1/metrics.pb.h"
#include "plaudit/v1/plugins.pb.h"
#include "plaudit/v1/praise.pb.h"
#include "plaudit/v1/programs.pb.h"

namespace plaudit::cli {

// id, display_name, email, team, channel, hire_date, status (active/inactive).
std::vector<Column> AgentColumns();
std::vector<Cell> AgentRow(const v1::Agent& agent);

// name, direction, min, max (absent when the metric has no bound), description.
std::vector<Column> MetricDefinitionColumns();
std::vector<Cell> MetricDefinitionRow(const v1::MetricDefinition& metric);

// agent_id, metric, samples, sum, mean, min, max.
std::vector<Column> MetricSummaryColumns();
std::vector<Cell> MetricSummaryRow(const v1::MetricSummary& summary);

// id, name, cadence, time_zone, version.
std::vector<Column> ProgramColumns();
std::vector<Cell> ProgramRow(const v1::Program& program);

// id, program_id, period, agent_id, rank, rewards, state, state_reason.
std::vector<Column> AwardColumns();
std::vector<Cell> AwardRow(const v1::Award& award);

// seq, at (RFC 3339 in `zone`), from, to, actor, reason.
std::vector<Column> AwardTransitionColumns();
std::vector<Cell> AwardTransitionRow(const v1::AwardTransition& transition,
                                     const absl::TimeZone& zone);

// id, award_id, agent_id, type, state, attempts, error, artifact.
std::vector<Column> FulfilmentColumns();
std::vector<Cell> FulfilmentRow(const v1::Fulfilment& fulfilment);

// name, kind, version, serves, status ("loaded" / "failed: <error>"), path.
std::vector<Column> PluginColumns();
std::vector<Cell> PluginRow(const v1::PluginStatus& plugin);

// sent_at (RFC 3339 in `zone`), from, to, value, message, id.
std::vector<Column> PraiseColumns();
std::vector<Cell> PraiseRow(const v1::Praise& praise, const absl::TimeZone& zone);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_RESOURCE_TABLES_H_
