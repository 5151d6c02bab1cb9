#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/api/award_protos.h"
#include "core/api/pagination.h"
#include "core/api/services.h"
#include "core/api/standings_pages.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"
#include "core/awards/award_actions.h"
#include "core/awards/explain.h"
#include "core/awards/restatement.h"
#include "core/domain/metric_catalogue.h"
#include "core/domain/period.h"

namespace plaudit::api {
namespace {

void ToProto(const MetricExplanation& m, v1::MetricExplanation* out) {
  out->set_metric(m.metric);
  out->set_aggregation(m.aggregation);
  out->set_direction(std::string(DirectionName(m.direction)));
  out->set_value(m.value);
  out->set_samples(m.samples);
  out->set_min_samples(m.min_samples);
  out->set_normalized(m.normalized);
  out->set_weight(m.weight);
  out->set_contribution(m.contribution);
  auto* what_if = out->mutable_what_if();
  what_if->set_possible(m.what_if.possible);
  what_if->set_target(m.what_if.target);
  what_if->set_beyond(m.what_if.beyond);
  what_if->set_change(m.what_if.change);
  what_if->set_reason(m.what_if.reason);
  AddPhrases(m.what_if.reason, what_if->mutable_reason_phrases());
}

void ToProto(const AwardExplanation& e, v1::AwardExplanation* out) {
  out->set_agent_id(e.agent_id);
  out->set_peer_group(e.peer_group);
  out->set_eligible(e.eligible);
  for (const std::string& reason : e.reasons) {
    out->add_reasons(reason);
    AddPhrases(reason, out->mutable_reason_phrases());
  }
  for (const std::string& fix : e.fixes) {
    out->add_fixes(fix);
    AddPhrases(fix, out->mutable_fix_phrases());
  }
  out->set_rank(e.rank);
  out->set_score(e.score);
  for (const MetricExplanation& m : e.metrics) ToProto(m, out->add_metrics());
  for (const GateExplanation& g : e.gates) {
    auto* gate = out->add_gates();
    gate->set_label(g.label);
    if (g.value.has_value()) gate->set_value(*g.value);
    if (g.min.has_value()) gate->set_min(*g.min);
    if (g.max.has_value()) gate->set_max(*g.max);
    gate->set_passed(g.passed);
  }
  out->set_rule(e.rule);
  out->set_won(e.won);
  out->set_tier(e.tier);
  if (e.cutoff.has_value()) out->set_cutoff(*e.cutoff);
  out->set_cutoff_basis(e.cutoff_basis);
  AddPhrases(e.cutoff_basis, out->mutable_cutoff_basis_phrases());
  out->set_next_tier(e.next_tier);
  if (e.next_tier_min.has_value()) out->set_next_tier_min(*e.next_tier_min);
  out->set_competitors(e.competitors);
  for (const std::string& hold : e.holds) {
    out->add_holds(hold);
    AddPhrases(hold, out->mutable_hold_phrases());
  }
  if (e.target_progress.has_value()) out->set_target_progress(*e.target_progress);
  if (e.previous.has_value()) out->set_previous(*e.previous);
  if (e.improvement.has_value()) out->set_improvement(*e.improvement);
  out->set_streak(e.streak);
}

// Whether `agent_id` has a standing (alone, or as a member of a team) among all of the source's
// standings, whichever page is asked for. A team of the agent's id is not the agent.
absl::StatusOr<bool> TakesPart(const std::string& agent_id, StandingsSource& source) {
  if (agent_id.empty()) return false;
  auto found = source.Find(agent_id, /*members_only=*/false);
  if (!found.ok()) return found.status();
  if (!found->has_value() || (*found)->standing.agent_id == agent_id) return found->has_value();
  auto member = source.Find(agent_id, /*members_only=*/true);
  if (!member.ok()) return member.status();
  return member->has_value();
}

StandingsQuery QueryOf(const v1::EvaluateAwardsRequest& request) {
  return StandingsQuery{request.page_size(), request.page_token(), request.around_agent_id(),
                        request.agent_id()};
}

void PageToProto(const StandingsPage& page, v1::EvaluateAwardsResponse* out) {
  for (const Standing& s : page.standings) api::ToProto(s, out->add_standings());
  out->set_total_standings(static_cast<int32_t>(page.total));
  out->set_standings_offset(static_cast<int32_t>(page.offset));
  out->set_next_page_token(page.next_token);
}

}  // namespace

absl::Status AwardServiceImpl::PageStandings(const Caller& caller, StandingsSource& source,
                                             const StandingsQuery& query,
                                             v1::EvaluateAwardsResponse* response) const {
  auto page = SelectStandings(source, query);
  if (!page.ok()) return page.status();
  PageToProto(*page, response);
  // Names: everyone's but an opted-out agent's, which only those who reach the agent see.
  auto directory = decider_->Directory();
  if (!directory.ok()) return directory.status();
  for (v1::Standing& standing : *response->mutable_standings()) {
    if (standing.agent_id().empty()) {
      standing.set_display_name(standing.team());
      continue;
    }
    auto agent = (*directory)->by_id.find(standing.agent_id());
    if (agent == (*directory)->by_id.end()) continue;
    const bool named = agent->second->public_praise || caller.reach == Reach::kAll ||
                       caller.agent_id == standing.agent_id() ||
                       (caller.reach == Reach::kTeam && gate_->Covers(caller, standing.agent_id()));
    if (named) standing.set_display_name(agent->second->display_name);
  }
  if (caller.reach == Reach::kAll) return absl::OkStatus();
  // Everyone in the program sees ranks, names and scores; the details (raw metrics, reasons)
  // only within the caller's reach.
  for (v1::Standing& standing : *response->mutable_standings()) {
    const bool reachable =
        standing.agent_id().empty()
            ? gate_->CoversAny(caller, {standing.members().begin(), standing.members().end()})
            : gate_->Covers(caller, standing.agent_id());
    if (!reachable) {
      standing.clear_metrics();
      standing.clear_reasons();
    }
  }
  return absl::OkStatus();
}

bool AwardServiceImpl::Reaches(const Caller& caller, const AwardRecord& award) const {
  return award.agent_id.empty() ? gate_->CoversTeam(caller, award.team)
                                : gate_->Covers(caller, award.agent_id);
}

absl::Status AwardServiceImpl::CheckAward(const Caller& caller, const std::string& award_id) const {
  if (award_id.empty()) return absl::InvalidArgumentError("award_id: required");
  if (caller.reach == Reach::kAll) return absl::OkStatus();
  auto award = store_->GetAward(award_id);
  if (!award.ok()) return award.status();
  if (!award->has_value() || !Reaches(caller, **award)) {
    return absl::NotFoundError(absl::StrCat("award_id: award \"", award_id, "\" not found"));
  }
  return absl::OkStatus();
}

grpc::Status AwardServiceImpl::Act(grpc::ServerContext* context, std::string_view method,
                                   const std::string& award_id, const std::string& reason,
                                   AwardAction action, v1::Award* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, method);
  gate_->NoteResource(*context, absl::StrCat("awards/", award_id));
  if (absl::Status reachable = CheckAward(caller, award_id); !reachable.ok()) {
    return ToGrpcStatus(reachable);
  }
  auto award = plaudit::ActOnAward(*store_, award_id, action, caller.AsActor(), reason,
                                   absl::ToUnixMicros(clock_->Now()));
  if (!award.ok()) return ToGrpcStatus(award.status());
  ToProto(*award, response);
  if (award->state == AwardState::kApproved && committed_) committed_();
  return grpc::Status::OK;
}

grpc::Status AwardServiceImpl::ApproveAward(grpc::ServerContext* context,
                                            const v1::ApproveAwardRequest* request,
                                            v1::Award* response) {
  return Act(context, "plaudit.v1.AwardService/ApproveAward", request->award_id(),
             request->reason(), AwardAction::kApprove, response);
}

grpc::Status AwardServiceImpl::RejectAward(grpc::ServerContext* context,
                                           const v1::RejectAwardRequest* request,
                                           v1::Award* response) {
  return Act(context, "plaudit.v1.AwardService/RejectAward", request->award_id(), request->reason(),
             AwardAction::kReject, response);
}

grpc::Status AwardServiceImpl::CancelAward(grpc::ServerContext* context,
                                           const v1::CancelAwardRequest* request,
                                           v1::Award* response) {
  return Act(context, "plaudit.v1.AwardService/CancelAward", request->award_id(), request->reason(),
             AwardAction::kCancel, response);
}

grpc::Status AwardServiceImpl::GetAwardHistory(grpc::ServerContext* context,
                                               const v1::GetAwardHistoryRequest* request,
                                               v1::AwardHistory* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/GetAwardHistory");
  if (absl::Status reachable = CheckAward(caller, request->award_id()); !reachable.ok()) {
    return ToGrpcStatus(reachable);
  }
  auto history = store_->AwardHistory(request->award_id());
  if (!history.ok()) return ToGrpcStatus(history.status());
  auto award = store_->GetAward(request->award_id());
  if (!award.ok()) return ToGrpcStatus(award.status());
  if (award->has_value()) ToProto(**award, response->mutable_award());
  for (const AwardTransition& t : *history) ToProto(t, response->add_transitions());
  return grpc::Status::OK;
}

grpc::Status AwardServiceImpl::GetBudget(grpc::ServerContext* context,
                                         const v1::GetBudgetRequest* request,
                                         v1::Budget* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/GetBudget");
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->period().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "period: required (such as 2026-10 or 2026-W41, per the program's cadence)"));
  }
  auto period = decider_->ResolvePeriod(request->program_id(), request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  auto report = store_->GetBudget(request->program_id(), *period);
  if (!report.ok()) return ToGrpcStatus(report.status());
  if (!report->has_value()) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("program ", request->program_id(), " has no budget for ", *period,
                     " (the period is not decided yet, or its program version set no budget)")));
  }
  const BudgetReport& r = **report;
  response->set_program_id(r.program_id);
  response->set_period(r.period);
  response->set_mode(std::string(BudgetModeName(r.position.spec.mode)));
  response->set_unit(std::string(BudgetUnitName(r.position.spec.unit)));
  response->set_currency(r.position.spec.currency);
  response->set_amount(r.position.spec.amount);
  response->set_reserved(r.position.reserved);
  response->set_settled(r.position.settled);
  response->set_remaining(r.position.remaining());
  response->set_flagged_awards(r.flagged_awards);
  response->set_over_budget_awards(r.over_budget_awards);
  return grpc::Status::OK;
}

grpc::Status AwardServiceImpl::ExplainAward(grpc::ServerContext* context,
                                            const v1::ExplainAwardRequest* request,
                                            v1::AwardExplanation* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/ExplainAward");
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->agent_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("agent_id: required"));
  }
  if (!gate_->Covers(caller, request->agent_id())) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("agent_id: agent \"", request->agent_id(), "\" not found")));
  }
  if (request->period().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "period: required (such as 2026-10 or 2026-W41, per the program's cadence)"));
  }
  auto period = decider_->ResolvePeriod(request->program_id(), request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  auto explanation = decider_->Explain(request->program_id(), *period, request->agent_id());
  if (!explanation.ok()) return ToGrpcStatus(explanation.status());
  ToProto(*explanation, response);
  response->set_program_id(request->program_id());
  response->set_period(*period);
  return grpc::Status::OK;
}

grpc::Status AwardServiceImpl::EvaluateAwards(grpc::ServerContext* context,
                                              const v1::EvaluateAwardsRequest* request,
                                              v1::EvaluateAwardsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/EvaluateAwards");
  // A dry run is the leaderboard, for everyone in the program; deciding or restating a period is
  // an admin's act, and the only one audited.
  const bool deciding = !request->dry_run() || request->restate();
  gate_->NoteResource(
      *context, absl::StrCat("programs/", request->program_id(), "/periods/", request->period()),
      /*audited=*/deciding);
  if (deciding && !caller.HasRole(kAdminRole)) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(caller.subject,
                     " may not decide or restate a period: only admins may (a dry run shows "
                     "the standings)")));
  }
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->period().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "period: required (such as 2026-10 or 2026-W41, per the program's cadence)"));
  }
  auto period = decider_->ResolvePeriod(request->program_id(), request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  if (request->restate()) {
    // Restating reads a committed decision; it must never be the call that commits one.
    if (request->dry_run()) {
      return ToGrpcStatus(absl::InvalidArgumentError("restate: not with dry_run"));
    }
    auto restatement = decider_->Restate(request->program_id(), *period);
    if (!restatement.ok()) return ToGrpcStatus(restatement.status());
    response->set_period(*period);
    for (const AwardRecord& a : restatement->committed.awards) ToProto(a, response->add_awards());
    LoadedStandings committed(restatement->committed.standings);
    absl::Status paged = PageStandings(caller, committed, QueryOf(*request), response);
    if (!paged.ok()) return ToGrpcStatus(paged);
    v1::EvaluateAwardsResponse* restated = response->mutable_restated();
    for (const AwardRecord& a : restatement->now.awards) ToProto(a, restated->add_awards());
    // The same page of the standings decided now; a competitor asked for that has no standing
    // now gets an empty page.
    LoadedStandings now(restatement->now.standings);
    paged = PageStandings(caller, now, QueryOf(*request), restated);
    if (absl::IsNotFound(paged)) {
      restated->set_total_standings(static_cast<int32_t>(restatement->now.standings.size()));
    } else if (!paged.ok()) {
      return ToGrpcStatus(paged);
    }
    restated->set_period(*period);
    for (const std::string& line : restatement->differences) response->add_differences(line);
    return grpc::Status::OK;
  }
  // A dry run is the leaderboard: shared standings, computed once until something they are
  // computed from is written.
  std::shared_ptr<const DecisionRecord> shared;
  bool newly_committed = false;
  if (request->dry_run()) {
    auto leaderboard = decider_->Leaderboard(request->program_id(), *period);
    if (!leaderboard.ok()) return ToGrpcStatus(leaderboard.status());
    shared = *std::move(leaderboard);
  } else {
    auto result =
        decider_->Evaluate(request->program_id(), *period, /*dry_run=*/false, caller.subject);
    if (!result.ok()) return ToGrpcStatus(result.status());
    newly_committed = result->newly_committed;
    shared = std::make_shared<const DecisionRecord>(std::move(result->decision));
  }
  response->set_period(*period);
  const DecisionRecord& decision = *shared;
  // A decision committed before is read a page at a time from the store, never whole.
  LoadedStandings loaded(decision.standings);
  StoredStandings stored(store_, request->program_id(), *period);
  StandingsSource& source =
      decision.standings_loaded ? static_cast<StandingsSource&>(loaded) : stored;
  if (caller.reach == Reach::kSelf) {
    auto takes_part = TakesPart(caller.agent_id, source);
    if (!takes_part.ok()) return ToGrpcStatus(takes_part.status());
    if (!*takes_part) {
      return ToGrpcStatus(absl::PermissionDeniedError(
          absl::StrCat(caller.subject, " does not take part in program ", request->program_id(),
                       ": only its agents see its standings")));
    }
  }
  for (const AwardRecord& a : decision.awards) ToProto(a, response->add_awards());
  absl::Status paged = PageStandings(caller, source, QueryOf(*request), response);
  if (!paged.ok()) return ToGrpcStatus(paged);
  response->set_newly_committed(newly_committed);
  if (newly_committed && committed_) committed_();
  return grpc::Status::OK;
}

grpc::Status AwardServiceImpl::ListAwards(grpc::ServerContext* context,
                                          const v1::ListAwardsRequest* request,
                                          v1::ListAwardsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/ListAwards");
  // An unknown program is a mistake to report, not an empty list that reads as "no awards yet".
  if (!request->program_id().empty()) {
    auto program = store_->GetProgram(request->program_id());
    if (!program.ok()) return ToGrpcStatus(program.status());
    if (!program->has_value()) {
      return ToGrpcStatus(absl::NotFoundError(
          absl::StrCat("program_id: program \"", request->program_id(), "\" not found")));
    }
  }
  auto awards = store_->ListAwards(request->program_id(), request->period());
  if (!awards.ok()) return ToGrpcStatus(awards.status());
  if (caller.reach != Reach::kAll) {
    std::erase_if(*awards, [&](const AwardRecord& a) { return !Reaches(caller, a); });
  }
  auto page = Paginate(request->page_size(), request->page_token(), awards->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) ToProto((*awards)[i], response->add_awards());
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

}  // namespace plaudit::api

namespace plaudit::api {

grpc::Status AwardServiceImpl::GetWall(grpc::ServerContext* context,
                                       const v1::GetWallRequest* request, v1::Wall* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AwardService/GetWall");
  constexpr int kDefaultTop = 10;
  constexpr int kMaxTop = 50;
  if (request->program_id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("program_id: required"));
  }
  if (request->top() < 0 || request->top() > kMaxTop) {
    return ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "top: ", request->top(), " is not from 1 to ", kMaxTop, " (0: ", kDefaultTop, ")")));
  }
  const int top = request->top() == 0 ? kDefaultTop : request->top();
  auto program = store_->GetProgram(request->program_id());
  if (!program.ok()) return ToGrpcStatus(program.status());
  if (!program->has_value()) {
    return ToGrpcStatus(absl::NotFoundError(
        absl::StrCat("program_id: program \"", request->program_id(), "\" not found")));
  }
  auto period = decider_->ResolvePeriod(request->program_id(),
                                        request->period().empty() ? "current" : request->period());
  if (!period.ok()) return ToGrpcStatus(period.status());
  auto leaderboard = decider_->Leaderboard(request->program_id(), *period);
  if (!leaderboard.ok()) return ToGrpcStatus(leaderboard.status());
  const DecisionRecord& decision = **leaderboard;
  response->set_program_id(request->program_id());
  response->set_program_name((*program)->name);
  response->set_period(*period);

  // What the floor may see of a competitor: the name, never the email; nothing of an agent who
  // opted out of public praise.
  struct Shown {
    std::string name;
    std::string team;
  };
  auto directory = decider_->Directory();
  if (!directory.ok()) return ToGrpcStatus(directory.status());
  auto shown = [&directory](const std::string& agent_id,
                            const std::string& team) -> absl::StatusOr<std::optional<Shown>> {
    if (agent_id.empty()) return Shown{team, team};
    auto agent = (*directory)->by_id.find(agent_id);
    if (agent == (*directory)->by_id.end() || !agent->second->public_praise) return std::nullopt;
    return Shown{agent->second->display_name.empty() ? agent_id : agent->second->display_name,
                 agent->second->team};
  };
  std::set<std::string> winning;
  for (const AwardRecord& award : decision.awards) {
    // A holdout's would-be award is not a win.
    if (award.state == AwardState::kHoldout) continue;
    winning.insert(award.agent_id.empty() ? award.team : award.agent_id);
  }
  for (const Standing& standing : decision.standings) {
    if (!standing.eligible || standing.rank <= 0 || standing.rank > top) continue;
    auto entry = shown(standing.agent_id, standing.team);
    if (!entry.ok()) return ToGrpcStatus(entry.status());
    if (!entry->has_value()) continue;
    v1::WallEntry* out = response->add_entries();
    out->set_rank(standing.rank);
    out->set_name((*entry)->name);
    out->set_team((*entry)->team);
    out->set_score(standing.score);
    out->set_winning(winning.count(standing.agent_id.empty() ? standing.team : standing.agent_id) >
                     0);
  }
  for (const AwardRecord& award : decision.awards) {
    if (award.tier.empty()) continue;
    for (v1::WallEntry& entry : *response->mutable_entries()) {
      if (entry.rank() == award.rank) entry.set_tier(award.tier);
    }
  }

  // The latest decided period's winners whose awards went ahead.
  auto latest = store_->LatestAwardPeriod(request->program_id());
  if (!latest.ok()) return ToGrpcStatus(latest.status());
  response->set_winners_period(*latest);
  auto awards = latest->empty()
                    ? absl::StatusOr<std::vector<AwardRecord>>(std::vector<AwardRecord>())
                    : store_->ListAwards(request->program_id(), *latest);
  if (!awards.ok()) return ToGrpcStatus(awards.status());
  std::vector<const AwardRecord*> winners;
  for (const AwardRecord& award : *awards) {
    const bool went_ahead = award.state == AwardState::kApproved ||
                            award.state == AwardState::kFulfilling ||
                            award.state == AwardState::kFulfilled;
    if (went_ahead) winners.push_back(&award);
  }
  std::sort(winners.begin(), winners.end(),
            [](const AwardRecord* a, const AwardRecord* b) { return a->rank < b->rank; });
  for (const AwardRecord* award : winners) {
    auto entry = shown(award->agent_id, award->team);
    if (!entry.ok()) return ToGrpcStatus(entry.status());
    if (!entry->has_value()) continue;
    v1::WallEntry* out = response->add_winners();
    out->set_rank(award->rank);
    out->set_name((*entry)->name);
    out->set_team((*entry)->team);
    out->set_winning(true);
    out->set_tier(award->tier);
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api
