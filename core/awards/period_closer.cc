#include "core/awards/period_closer.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/domain/log.h"

namespace plaudit {
namespace {

// A daily program down for years would otherwise walk unboundedly in one call.
constexpr int kMaxPeriodsPerVisit = 5000;

}  // namespace

int PeriodCloser::RunOnce() {
  int committed = 0;
  // Among replicas sharing a database, one closes at a time; the others pass until next time.
  auto ran = store_->RunAlone(kClosingLock, [&] {
    auto programs = store_->ListPrograms();
    if (!programs.ok()) {
      LogError("closer", absl::StrCat("cannot list programs: ", programs.status().message()));
      return;
    }
    for (const ProgramRecord& program : *programs) Visit(program, /*commit=*/true, &committed);
  });
  if (!ran.ok()) {
    LogError("closer", absl::StrCat("cannot take the closing lock: ", ran.status().message()));
  }
  return committed;
}

std::vector<PeriodCloser::ProgramClosing> PeriodCloser::Status() {
  std::vector<ProgramClosing> out;
  auto programs = store_->ListPrograms();
  if (!programs.ok()) return out;
  int unused = 0;
  for (const ProgramRecord& program : *programs) {
    out.push_back(Visit(program, /*commit=*/false, &unused));
  }
  return out;
}

PeriodCloser::ProgramClosing PeriodCloser::Visit(const ProgramRecord& program, bool commit,
                                                 int* committed) {
  ProgramClosing closing;
  closing.program_id = program.id;
  closing.disabled = program.disabled;
  auto spec = decider_->ParseProgram(program.yaml);
  if (!spec.ok()) {
    closing.error = std::string(spec.status().message());
    return closing;
  }
  closing.cadence = spec->cadence;
  closing.close_after = spec->close_after;
  auto first_applied = store_->ProgramFirstAppliedUs(program.id);
  auto decided_labels = store_->DecidedPeriods(program.id);
  if (!first_applied.ok() || !first_applied->has_value() || !decided_labels.ok()) {
    closing.error = "cannot read the program's history from the store";
    return closing;
  }
  absl::flat_hash_set<std::string> decided(decided_labels->begin(), decided_labels->end());
  absl::Time last_end = absl::InfinitePast();
  for (const std::string& label : decided) {
    auto window = ParsePeriod(spec->cadence, label, spec->zone);
    if (window.ok() && window->end > last_end) {
      last_end = window->end;
      closing.last_closed = label;
    }
  }

  const absl::Time now = clock_->Now();
  PeriodWindow period =
      PeriodContaining(spec->cadence, absl::FromUnixMicros(**first_applied), spec->zone);
  for (int i = 0; i < kMaxPeriodsPerVisit; ++i) {
    const absl::Time close_time = period.end + spec->close_after;
    const bool due = close_time <= now;
    // A period that closed while the program was disabled is passed over for good: it is
    // decided only when someone evaluates it explicitly.
    const bool passed_over = absl::FromUnixMicros(program.enabled_us) > close_time;
    if (!decided.contains(period.label) && !passed_over) {
      if (!due || !commit || program.disabled) break;
      auto result = decider_->Evaluate(program.id, period.label, /*dry_run=*/false);
      if (!result.ok()) {
        closing.error = absl::StrCat("closing ", period.label, ": ", result.status().message());
        LogError("closer", absl::StrCat(program.id, ": ", closing.error));
        break;
      }
      if (result->newly_committed) {
        ++*committed;
        LogInfo("closer", absl::StrCat(program.id, ": closed ", period.label, " with ",
                                       result->decision.awards.size(), " award(s)"));
      }
      decided.insert(period.label);
      closing.last_closed = period.label;
    }
    period = NextPeriod(spec->cadence, period, spec->zone);
  }
  closing.next_period = period.label;
  closing.next_close = period.end + spec->close_after;
  return closing;
}

}  // namespace plaudit
