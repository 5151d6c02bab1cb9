#include "core/awards/phrases.h"

#include <optional>
#include <string>
#include <vector>

namespace plaudit {
namespace {

// Whether a template is a hold's condition, read only after a "{+}" head.
bool IsPart(const PhraseTemplate& t) { return std::string_view(t.key).starts_with("hold."); }

constexpr std::string_view kSeparator = "; ";

// A template cut into literal text and values: literals[0] {0} literals[1] {1} … literals[n].
struct Compiled {
  const PhraseTemplate* source;
  std::vector<std::string> literals;
  // The last value takes the rest unread ({*}) or reads it as condition parts ({+}).
  enum class Tail { kNone, kRest, kParts } tail = Tail::kNone;
};

Compiled Compile(const PhraseTemplate& t) {
  Compiled compiled{&t, {""}};
  const std::string_view english = t.english;
  for (size_t i = 0; i < english.size();) {
    if (english[i] == '{') {
      const size_t close = english.find('}', i);
      const std::string_view inside = english.substr(i + 1, close - i - 1);
      if (inside == "*") compiled.tail = Compiled::Tail::kRest;
      if (inside == "+") compiled.tail = Compiled::Tail::kParts;
      if (compiled.tail == Compiled::Tail::kNone) compiled.literals.emplace_back();
      i = close + 1;
    } else {
      compiled.literals.back().push_back(english[i++]);
    }
  }
  return compiled;
}

const std::vector<Compiled>& CompiledTemplates() {
  static const std::vector<Compiled>* const compiled = [] {
    auto* out = new std::vector<Compiled>;
    for (const PhraseTemplate& t : PhraseTemplates()) out->push_back(Compile(t));
    return out;
  }();
  return *compiled;
}

// Matches literals[k…] and the values between them against text[pos…] to its end, each value
// non-empty and without "; ", the shortest first.
bool MatchFrom(const std::vector<std::string>& literals, size_t k, std::string_view text,
               size_t pos, std::vector<std::string>* args) {
  if (k + 1 == literals.size()) return false;  // unreachable: the caller handles the last
  const std::string& next = literals[k + 1];
  const bool last = k + 2 == literals.size();
  if (last && next.empty()) {
    const std::string_view value = text.substr(pos);
    if (value.empty() || value.find(kSeparator) != std::string_view::npos) return false;
    args->emplace_back(value);
    return true;
  }
  for (size_t at = text.find(next, pos + 1); at != std::string_view::npos;
       at = text.find(next, at + 1)) {
    const std::string_view value = text.substr(pos, at - pos);
    if (value.find(kSeparator) != std::string_view::npos) return false;
    args->emplace_back(value);
    const size_t after = at + next.size();
    if (last ? after == text.size() : MatchFrom(literals, k + 1, text, after, args)) return true;
    args->pop_back();
  }
  return false;
}

// The template's values when it wrote all of `text`; for a tail, its text is left in *tail.
std::optional<std::vector<std::string>> Match(const Compiled& c, std::string_view text,
                                              std::string_view* tail) {
  const std::string& head = c.literals.front();
  std::vector<std::string> args;
  auto whole = [&](std::string_view sentence) {
    args.clear();
    if (!sentence.starts_with(head)) return false;
    if (c.literals.size() == 1) return sentence.size() == head.size();
    return MatchFrom(c.literals, 0, sentence, head.size(), &args);
  };
  if (c.tail == Compiled::Tail::kNone) {
    if (!whole(text)) return std::nullopt;
    return args;
  }
  // The tail follows the last literal: try each place it could end, the earliest first.
  const std::string& last = c.literals.back();
  for (size_t at = text.find(last); at != std::string_view::npos; at = text.find(last, at + 1)) {
    const size_t end = at + last.size();
    if (end >= text.size()) break;
    if (whole(text.substr(0, end))) {
      *tail = text.substr(end);
      return args;
    }
  }
  return std::nullopt;
}

// The first template (of parts, or of whole sentences) that wrote `text`.
std::optional<Phrase> MatchOne(std::string_view text, bool parts, std::string_view* tail,
                               const Compiled** which) {
  for (const Compiled& c : CompiledTemplates()) {
    if (IsPart(*c.source) != parts) continue;
    std::string_view rest;
    std::optional<std::vector<std::string>> args = Match(c, text, &rest);
    if (!args) continue;
    *tail = rest;
    *which = &c;
    return Phrase{c.source->key, *std::move(args), std::string(text), {}};
  }
  return std::nullopt;
}

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> pieces;
  for (size_t start = 0;;) {
    const size_t at = text.find(kSeparator, start);
    pieces.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return pieces;
    start = at + kSeparator.size();
  }
}

}  // namespace

const std::vector<PhraseTemplate>& PhraseTemplates() {
  static const std::vector<PhraseTemplate>* const templates = new std::vector<PhraseTemplate>{
      // Why an agent (or a team) cannot compete: core/scoring/scorecard.cc.
      {"reason.inactive", "inactive"},
      {"reason.hired_after", "hired after the period"},
      {"reason.tenure", "tenure {0} days < {1}"},
      // A gate's sentences first: the metric's below would read "gate x sum" as a metric.
      {"reason.gate_no_events", "gate {0} {1}: no events"},
      {"reason.gate_zero_denominator", "gate {0} {1}: denominator {2} sums to 0"},
      {"reason.gate_below", "gate {0} {1} {2} < min {3}"},
      {"reason.gate_above", "gate {0} {1} {2} > max {3}"},
      {"reason.samples", "{0}: {1} samples < min_samples {2}"},
      {"reason.no_events", "{0}: no events for {1}"},
      {"reason.not_finite", "{0}: value is not finite"},
      {"reason.zero_denominator", "{0}: denominator {1} sums to 0"},
      {"reason.team_size", "team of {0} eligible members < min_team_size {1}"},
      // What would make an ineligible agent eligible: core/awards/explain.cc.
      {"fix.samples", "{0}: needs {1} samples, has {2} ({3} more)"},
      {"fix.gate_events", "gate {0} {1}: needs events"},
      {"fix.gate_min", "gate {0} {1}: needs at least {2}, has {3}"},
      {"fix.gate_max", "gate {0} {1}: needs at most {2}, has {3}"},
      // Why no value of one metric changes the outcome.
      {"whatif.best_in_group", "already the best value of the peer group; not enough alone"},
      {"whatif.best_not_enough", "even the best value is not enough"},
      {"whatif.no_value", "no value of this metric alone is enough"},
      {"whatif.ineligible", "ineligible: {*}"},
      {"whatif.samples", "needs {0} samples to count, has {1}"},
      {"whatif.highest_tier", "already at the highest tier"},
      {"whatif.winning", "already winning"},
      {"whatif.by_min", "the award goes by {0} reaching its min, not by the score"},
      {"whatif.by_target", "the award goes by {0} reaching its target, not by the score"},
      {"whatif.by_improvement", "the award goes by the improvement of {0}, not by the score"},
      {"whatif.streak_short", "periods won before this one: {0} of the {1} the streak needs"},
      // The cut-off's basis.
      {"cutoff.best_in_group", "score of the best of {0} in peer group {1}"},
      {"cutoff.best_in_all", "score of the best of {0} in all eligible agents"},
      {"cutoff.nth_in_group", "score of number {0} of {1} in peer group {2}"},
      {"cutoff.nth_in_all", "score of number {0} of {1} in all eligible agents"},
      {"cutoff.few_in_group", "fewer than {0} compete in peer group {1}: every eligible one wins"},
      {"cutoff.few_in_all",
       "fewer than {0} compete in all eligible agents: every eligible one wins"},
      {"cutoff.min_of", "min of {0} {1} (that aggregate, not the score)"},
      {"cutoff.min_score", "min_score"},
      {"cutoff.target_of", "target of {0} {1} (that aggregate, not the score)"},
      {"cutoff.improvement_of_score",
       "the {0} largest improvements over the previous period of the score"},
      {"cutoff.improvement_of", "the {0} largest improvements over the previous period of {1} {2}"},
      {"cutoff.streak", "won by rule {0} in each of the last {1} periods"},
      {"cutoff.lowest_tier", "min_score of the lowest tier, {0}"},
      // An award's state reason: core/awards/award_decider.cc, award_lifecycle.cc, the store.
      {"state.decided", "decided: rank {0}"},
      {"state.hold", "hold \"{0}\": {+}"},
      {"state.approved_why", "approved by {0}: {1}"},
      {"state.approved", "approved by {0}"},
      {"state.approval_why", "approval {0} of {1} by {2}: {3}"},
      {"state.approval", "approval {0} of {1} by {2}"},
      {"state.rejected_why", "rejected by {0}: {1}"},
      {"state.rejected", "rejected by {0}"},
      {"state.cancelled_why", "cancelled by {0}: {1}"},
      {"state.cancelled", "cancelled by {0}"},
      {"state.auto_approved", "approval: auto"},
      {"state.budget_retried_why", "budget retried by {0}: {1}"},
      {"state.budget_retried", "budget retried by {0}"},
      {"state.fixed_budget", "fixed budget has {0} left, the award is {1}"},
      {"state.flexible_budget", "flexible budget exceeded by {0}"},
      {"state.fulfilled", "every reward fulfilled"},
      {"state.partly_fulfilled", "{0} reward(s) fulfilled, {1} cancelled"},
      {"state.all_cancelled", "every reward was cancelled"},
      {"state.reward_failed", "{0} failed: {1}"},
      // A hold's conditions (core/awards/holds.cc), read only after "hold \"{0}\": ".
      {"hold.at_least", "{0} {1} {2} is at least {3}"},
      {"hold.at_most", "{0} {1} {2} is at most {3}"},
      {"hold.best", "{0} {1} {2} is in the best {3}% of peer group {4} ({5} of {6} better)"},
      {"hold.worst", "{0} {1} {2} is in the worst {3}% of peer group {4} ({5} of {6} worse)"},
  };
  return *templates;
}

std::vector<Phrase> ParsePhrases(std::string_view text) {
  std::vector<Phrase> phrases;
  if (text.empty()) return phrases;
  const std::vector<std::string_view> pieces = Split(text);
  for (size_t i = 0; i < pieces.size();) {
    // The fewest pieces one template wrote, starting at piece i ("a; b" may be one sentence).
    std::optional<Phrase> found;
    std::string_view tail;
    const Compiled* which = nullptr;
    size_t used = 0;
    for (size_t j = i; j < pieces.size() && !found; ++j) {
      const std::string_view joined(pieces[i].data(),
                                    pieces[j].data() + pieces[j].size() - pieces[i].data());
      found = MatchOne(joined, false, &tail, &which);
      used = j - i + 1;
    }
    if (!found) {
      phrases.push_back(Phrase{"", {}, std::string(pieces[i]), {}});
      ++i;
      continue;
    }
    if (which->tail == Compiled::Tail::kRest) {
      // The rest is the template's, unread: its sentences are shown elsewhere.
      found->text = std::string(text.substr(pieces[i].data() - text.data()));
      phrases.push_back(*std::move(found));
      return phrases;
    }
    i += used;
    if (which->tail == Compiled::Tail::kParts) {
      // The first condition follows the head; more follow as sentences of their own.
      std::string_view part_tail;
      const Compiled* part = nullptr;
      std::optional<Phrase> first = MatchOne(tail, true, &part_tail, &part);
      found->parts.push_back(first ? *std::move(first) : Phrase{"", {}, std::string(tail), {}});
      for (; i < pieces.size(); ++i) {
        // A sentence of its own (the next hold) ends the conditions.
        if (MatchOne(pieces[i], false, &part_tail, &part)) break;
        std::optional<Phrase> next = MatchOne(pieces[i], true, &part_tail, &part);
        if (!next) break;
        found->text += std::string(kSeparator) + next->text;
        found->parts.push_back(*std::move(next));
      }
    }
    phrases.push_back(*std::move(found));
  }
  return phrases;
}

}  // namespace plaudit
