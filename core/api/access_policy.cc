#include "core/api/access_policy.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"

namespace plaudit::api {
namespace {

constexpr Reach N = Reach::kNone;
constexpr Reach S = Reach::kSelf;
constexpr Reach T = Reach::kTeam;
constexpr Reach A = Reach::kAll;
constexpr bool kAudited = true;
constexpr bool kRead = false;

// clang-format off
constexpr std::array kPolicy = {
  //          method                                              admin mgr agent svc task display
  PolicyRow{"plaudit.v1.AgentService/ImportAgents",                 A,   N,   N,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.AgentService/ListAgents",                   A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AgentService/GetAgent",                     A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.MetricService/ListMetrics",                 A,   A,   A,   A,   A,   N, kRead, ""},
  PolicyRow{"plaudit.v1.MetricService/BatchCreateEvents",           A,   N,   N,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.MetricService/ImportEvents",                A,   N,   N,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.MetricService/StreamEvents",                A,   N,   N,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.MetricService/SummarizeMetrics",            A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.ProgramService/ApplyProgram",               A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ProgramService/ListPrograms",               A,   A,   A,   A,   A,   A, kRead, ""},
  PolicyRow{"plaudit.v1.ProgramService/GetProgram",                 A,   A,   A,   A,   A,   A, kRead, ""},
  PolicyRow{"plaudit.v1.ProgramService/SimulateProgram",            A,   N,   N,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.ProgramService/ListProgramStatus",          A,   A,   N,   A,   N,   N, kRead, ""},
  // A dry run is the leaderboard (details of agents outside the reach are left out); deciding
  // a period (no dry run) or restating one is an admin's.
  PolicyRow{"plaudit.v1.AwardService/EvaluateAwards",               A,   T,   S,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.AwardService/ListAwards",                   A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AwardService/ExplainAward",                 A,   T,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AwardService/ApproveAward",                 A,   T,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.AwardService/RejectAward",                  A,   T,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.AwardService/CancelAward",                  A,   T,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.AwardService/GetAwardHistory",              A,   T,   S,   A,   N,   N, kRead, ""},
  // The wall display's view: names and scores, no emails, no opted-out agent.
  PolicyRow{"plaudit.v1.AwardService/GetWall",                      A,   A,   A,   N,   N,   A, kRead, ""},
  PolicyRow{"plaudit.v1.AwardService/GetBudget",                    A,   A,   N,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.FulfilmentService/ListFulfilments",         A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.FulfilmentService/GetFulfilment",           A,   T,   S,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.FulfilmentService/RetryFulfilment",         A,   T,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.FulfilmentService/CancelFulfilment",        A,   T,   N,   N,   N,   N, kAudited, ""},
  // A task role completes the manual tasks assigned to it.
  PolicyRow{"plaudit.v1.FulfilmentService/CompleteFulfilment",      A,   T,   N,   N,   A,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.FulfilmentService/DeliverCallback",         N,   N,   N,   N,   N,   N, kAudited, "vendor HMAC signature"},
  PolicyRow{"plaudit.v1.PluginService/ListPlugins",                 A,   A,   N,   A,   N,   N, kRead, ""},
  // Each query then has a row of its own, below.
  PolicyRow{"plaudit.v1.PluginService/QueryPlugin",                 A,   A,   A,   A,   A,   N, kRead, ""},
  // Unmatched facts name platform users and contacts of no known agent: an admin's.
  PolicyRow{"plaudit.v1.PluginService/ListSources",                 A,   A,   N,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.PluginService/ListUnmatched",               A,   N,   N,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.PraiseService/SendPraise",                  S,   S,   S,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.PraiseService/ListPraise",                  A,   A,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.PraiseService/GetPraiseAllowance",          A,   T,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.CorrectionService/RetractEvents",           A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.CorrectionService/DisableProgram",          A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.CorrectionService/EnableProgram",           A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.CorrectionService/DeactivateAgent",         A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.CorrectionService/ListCorrections",         A,   A,   N,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.CorrectionService/GetProgramHistory",       A,   A,   N,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AuditService/ListAuditRecords",             A,   N,   N,   N,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AuditService/VerifyAudit",                  A,   N,   N,   N,   N,   N, kRead, ""},
  // Exports follow the caller's reach; each is recorded in the audit trail (who took what data).
  PolicyRow{"plaudit.v1.ExportService/ExportEvents",                A,   T,   S,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportAgents",                A,   T,   S,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportStandings",             A,   T,   S,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportAwards",                A,   T,   S,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportFulfilments",           A,   T,   S,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportBudgetLedger",          A,   T,   N,   A,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportPraise",                A,   T,   S,   N,   N,   N, kAudited, ""},
  PolicyRow{"plaudit.v1.ExportService/ExportAudit",                 A,   N,   N,   N,   N,   N, kAudited, ""},
  // Aggregates of a program (counts, spend, delivery times): its owners' and the BI services'.
  PolicyRow{"plaudit.v1.ReportService/GetProgramReport",            A,   A,   N,   A,   N,   N, kRead, ""},
  PolicyRow{"plaudit.v1.AccessService/WhoAmI",                      A,   A,   A,   A,   A,   A, kRead, ""},
  PolicyRow{"plugin:gift_card/catalog",                             A,   A,   A,   N,   N,   N, kRead, ""},
  PolicyRow{"plugin:gift_card/balance",                             A,   A,   N,   N,   N,   N, kRead, ""},
  // The redemption code is the recipient's alone: no admin or manager reads it.
  PolicyRow{"plugin:gift_card/code",                                N,   N,   S,   N,   N,   N, kAudited, ""},
  PolicyRow{"plugin:certificate/verify",                            A,   A,   A,   A,   A,   N, kRead, ""},
  PolicyRow{"plugin:certificate/public_key",                        A,   A,   A,   A,   A,   N, kRead, ""},
  PolicyRow{"plugin:certificate/credential",                        A,   T,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plugin:certificate/pdf",                               A,   T,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plugin:certificate/revoke",                            A,   N,   N,   N,   N,   N, kAudited, ""},
  PolicyRow{"plugin:leave_credit/balances",                         A,   T,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plugin:manual/tasks",                                  A,   A,   N,   N,   A,   N, kRead, ""},
  PolicyRow{"plugin:manual/complete",                               A,   A,   N,   N,   A,   N, kAudited, ""},
  PolicyRow{"plugin:parking/calendar",                              A,   A,   S,   N,   N,   N, kRead, ""},
  PolicyRow{"plugin:parking/release",                               A,   A,   N,   N,   N,   N, kAudited, ""},
};
// clang-format on

}  // namespace

std::string_view ReachName(Reach reach) {
  switch (reach) {
    case Reach::kNone:
      return "none";
    case Reach::kSelf:
      return "self";
    case Reach::kTeam:
      return "team";
    case Reach::kAll:
      return "all";
  }
  return "none";
}

std::span<const PolicyRow> PolicyTable() { return kPolicy; }

const PolicyRow* FindPolicy(std::string_view method) {
  for (const PolicyRow& row : kPolicy) {
    if (row.method == method) return &row;
  }
  return nullptr;
}

Reach ReachOf(const PolicyRow& row, const std::vector<std::string>& roles) {
  Reach widest = Reach::kNone;
  for (const std::string& role : roles) {
    const Reach reach = role == kAdminRole     ? row.admin
                        : role == kManagerRole ? row.manager
                        : role == kAgentRole   ? row.agent
                        : role == kServiceRole ? row.service
                        : role == kDisplayRole ? row.display
                                               : row.task;
    widest = std::max(widest, reach);
  }
  return widest;
}

std::string PluginQueryMethod(std::string_view plugin, std::string_view query) {
  return absl::StrCat("plugin:", std::string(plugin), "/", std::string(query));
}

}  // namespace plaudit::api
