#include "clients/plaudit/resource_tables.h"

#include <string>

#include "clients/plaudit/display_names.h"
#include "clients/plaudit/time_text.h"

namespace plaudit::cli {
namespace {

Column Text(std::string name) { return {std::move(name), ColumnType::kText}; }
Column Integer(std::string name) { return {std::move(name), ColumnType::kInteger}; }
Column Decimal(std::string name) { return {std::move(name), ColumnType::kDecimal}; }

Cell OptionalDecimal(bool present, double value) {
  if (!present) return std::monostate();
  return value;
}

}  // namespace

std::vector<Column> AgentColumns() {
  return {Text("id"),      Text("display_name"), Text("email"),  Text("team"),
          Text("channel"), Text("hire_date"),    Text("status"), Text("public_praise")};
}

std::vector<Cell> AgentRow(const v1::Agent& agent) {
  return {agent.id(),
          agent.display_name(),
          agent.email(),
          agent.team(),
          ChannelName(agent.channel()),
          agent.hire_date(),
          std::string(agent.active() ? "active" : "inactive"),
          std::string(agent.no_public_praise() ? "no" : "yes")};
}

std::vector<Column> MetricDefinitionColumns() {
  return {Text("name"), Text("direction"), Decimal("min"), Decimal("max"), Text("description")};
}

std::vector<Cell> MetricDefinitionRow(const v1::MetricDefinition& metric) {
  return {metric.name(), DirectionName(metric.direction()),
          OptionalDecimal(metric.has_min(), metric.min()),
          OptionalDecimal(metric.has_max(), metric.max()), metric.description()};
}

std::vector<Column> MetricSummaryColumns() {
  return {Text("agent_id"), Text("metric"), Integer("samples"), Decimal("sum"),
          Decimal("mean"),  Decimal("min"), Decimal("max")};
}

std::vector<Cell> MetricSummaryRow(const v1::MetricSummary& summary) {
  return {summary.agent_id(), summary.metric(), int64_t{summary.samples()},
          summary.sum(),      summary.mean(),   summary.min(),
          summary.max()};
}

std::vector<Column> ProgramColumns() {
  return {Text("id"), Text("name"), Text("cadence"), Text("time_zone"), Integer("version")};
}

std::vector<Cell> ProgramRow(const v1::Program& program) {
  return {program.id(), program.name(), program.cadence(), program.time_zone(),
          int64_t{program.version()}};
}

std::vector<Column> AwardColumns() {
  return {Text("id"),      Text("program_id"), Text("period"), Text("agent_id"),
          Integer("rank"), Text("rewards"),    Text("state"),  Text("state_reason")};
}

std::vector<Cell> AwardRow(const v1::Award& award) {
  // A team award has no agent; the team stands in its column as fulfilment plugins see it.
  const std::string recipient =
      award.agent_id().empty() && !award.team().empty() ? "team:" + award.team() : award.agent_id();
  return {award.id(),
          award.program_id(),
          award.period(),
          recipient,
          int64_t{award.rank()},
          AwardRewardsText(award),
          AwardStateName(award.state()),
          award.state_reason()};
}

std::vector<Column> AwardTransitionColumns() {
  return {Integer("seq"), Text("at"), Text("from"), Text("to"), Text("actor"), Text("reason")};
}

std::vector<Cell> AwardTransitionRow(const v1::AwardTransition& transition,
                                     const absl::TimeZone& zone) {
  return {transition.seq(),        TimeText(transition.at(), zone),
          transition.from_state(), transition.to_state(),
          transition.actor(),      transition.reason()};
}

std::vector<Column> FulfilmentColumns() {
  return {Text("id"),    Text("award_id"),    Text("agent_id"), Text("type"),
          Text("state"), Integer("attempts"), Text("error"),    Text("artifact")};
}

std::vector<Cell> FulfilmentRow(const v1::Fulfilment& fulfilment) {
  return {fulfilment.id(),
          fulfilment.award_id(),
          fulfilment.agent_id(),
          fulfilment.type(),
          FulfilmentStateName(fulfilment.state()),
          int64_t{fulfilment.attempts()},
          fulfilment.error(),
          fulfilment.artifact()};
}

std::vector<Column> PraiseColumns() {
  return {Text("sent_at"), Text("from"), Text("to"), Text("value"), Text("message"), Text("id")};
}

std::vector<Cell> PraiseRow(const v1::Praise& praise, const absl::TimeZone& zone) {
  return {TimeText(praise.sent_at(), zone),
          praise.from_agent_id(),
          praise.to_agent_id(),
          praise.value(),
          praise.message(),
          praise.id()};
}

std::vector<Column> PluginColumns() {
  return {Text("name"),   Text("kind"),   Text("version"),
          Text("serves"), Text("status"), Text("path")};
}

std::vector<Cell> PluginRow(const v1::PluginStatus& plugin) {
  std::string serves;
  for (const std::string& served : plugin.serves()) {
    if (!serves.empty()) serves += ", ";
    serves += served;
  }
  return {plugin.name(), plugin.kind(), plugin.version(), serves, PluginStatusText(plugin),
          plugin.path()};
}

}  // namespace plaudit::cli
