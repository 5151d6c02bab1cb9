#include "core/ingest/ingest.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/domain/metric_catalogue.h"

namespace plaudit {
namespace {

constexpr size_t kMaxIdLength = 128;

// Ids are printable ASCII without separators, so they are safe in file names, CSV and logs.
bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

bool HasControlCharacter(const std::string& text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// A language tag as agents' locales are written: a 2- or 3-letter language, then subtags of 1
// to 8 letters or digits after hyphens (sv, pt-BR, zh-Hant-TW). RFC 5646's other forms
// (private use, grandfathered tags) are not taken.
bool IsLanguageTag(const std::string& tag) {
  std::vector<std::string> parts = absl::StrSplit(tag, '-');
  if (parts[0].size() < 2 || parts[0].size() > 3) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 8) return false;
    for (char c : parts[i]) {
      const bool letter = absl::ascii_isalpha(static_cast<unsigned char>(c));
      if (i == 0 ? !letter : !letter && !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        return false;
      }
    }
  }
  return true;
}

std::string Quoted(const std::string& value) {
  std::string shown = value.size() > 60 ? value.substr(0, 60) + "..." : value;
  return absl::StrCat("\"", absl::CEscape(shown), "\"");
}

// Plain decimal notation only: an optional sign, digits, an optional fraction. Hexadecimal
// (0x10), exponents (1e308), inf and nan are refused: no contact-centre export writes them, and
// each has turned a typo into a plausible-looking number.
bool ParseDecimal(absl::string_view text, double* value) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view digits = text;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
  const size_t point = digits.find('.');
  const absl::string_view whole = digits.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? absl::string_view() : digits.substr(point + 1);
  const auto all_digits = [](absl::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() && fraction.empty()) return false;
  if (point != absl::string_view::npos && fraction.empty()) return false;
  if (!all_digits(whole) || !all_digits(fraction)) return false;
  return absl::SimpleAtod(text, value) && std::isfinite(*value);
}

// Why the store refused an event it was given.
std::string InsertRefusal(InsertOutcome outcome, const std::string& event_id) {
  if (outcome == InsertOutcome::kRetracted) {
    return absl::StrCat("event_id ", Quoted(event_id),
                        " was retracted (its id stays taken; give the event a new id)");
  }
  return absl::StrCat("event_id ", Quoted(event_id), " is already stored with different content");
}

// Checks the parts of an event common to CSV and typed input. Empty when valid.
std::string CheckEvent(const EventInput& e, const absl::flat_hash_set<std::string>& agents) {
  if (!ValidId(e.event_id)) {
    return absl::StrCat("event_id: invalid ", Quoted(e.event_id),
                        " (1-128 characters of letters, digits, - _ . :)");
  }
  if (!agents.contains(e.agent_id))
    return absl::StrCat("agent_id: unknown agent ", Quoted(e.agent_id));
  const MetricSpec* spec = FindMetric(e.metric);
  if (spec == nullptr) return absl::StrCat("metric: unknown metric ", Quoted(e.metric));
  if (!std::isfinite(e.value)) return "value: not a finite number";
  if (e.value < spec->min || e.value > spec->max) {
    return absl::StrFormat("value: %.15g is outside the range of %s (%.15g..%.15g)", e.value,
                           e.metric, spec->min, spec->max);
  }
  return "";
}

}  // namespace

void ImportSummary::Add(const ImportSummary& other) {
  imported += other.imported;
  replaced += other.replaced;
  duplicates += other.duplicates;
  rejected += other.rejected;
  errors.insert(errors.end(), other.errors.begin(), other.errors.end());
}

absl::StatusOr<EventColumns> ParseEventHeader(const std::vector<std::string>& header) {
  EventColumns c;
  c.width = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name(absl::StripAsciiWhitespace(header[i]));
    int index = static_cast<int>(i);
    if (name == "event_id") c.event_id = index;
    if (name == "agent_id") c.agent_id = index;
    if (name == "metric") c.metric = index;
    if (name == "value") c.value = index;
    if (name == "occurred_at") c.occurred_at = index;
  }
  std::vector<std::string> missing;
  if (c.event_id < 0) missing.push_back("event_id");
  if (c.agent_id < 0) missing.push_back("agent_id");
  if (c.metric < 0) missing.push_back("metric");
  if (c.value < 0) missing.push_back("value");
  if (c.occurred_at < 0) missing.push_back("occurred_at");
  if (!missing.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line 1: header: missing column", missing.size() > 1 ? "s " : " ",
        absl::StrJoin(missing, ", "), " (expected event_id,agent_id,metric,value,occurred_at)"));
  }
  return c;
}

std::optional<absl::Time> ParseRfc3339(const std::string& text) {
  // absl's %Ez also takes "Z"; the date/time separator must be 'T' or 't'.
  absl::Time t;
  std::string error;
  if (text.size() < 20 || !absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return std::nullopt;
  }
  char last = text.back();
  bool has_offset =
      last == 'Z' || last == 'z' ||
      (text.size() >= 6 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-'));
  if (!has_offset) return std::nullopt;
  return t;
}

absl::StatusOr<std::shared_ptr<const absl::flat_hash_set<std::string>>>
EventIngestor::KnownAgents() {
  int64_t generation = store_->agents_generation();
  {
    absl::MutexLock lock(&mu_);
    if (agent_ids_ != nullptr && agent_ids_generation_ == generation) return agent_ids_;
  }
  auto ids = store_->ListAgentIds();
  if (!ids.ok()) return ids.status();
  auto set = std::make_shared<const absl::flat_hash_set<std::string>>(ids->begin(), ids->end());
  absl::MutexLock lock(&mu_);
  agent_ids_ = set;
  agent_ids_generation_ = generation;
  return set;
}

absl::StatusOr<ImportSummary> EventIngestor::IngestCsv(
    const EventColumns& columns, const std::vector<CsvLine>& rows,
    const std::optional<EventReplacement>& replacement) {
  auto known = KnownAgents();
  if (!known.ok()) return known.status();
  const absl::flat_hash_set<std::string>* agents = known->get();
  ImportSummary summary;
  std::vector<StoredEvent> valid;
  std::vector<int64_t> valid_lines;
  valid.reserve(rows.size());
  auto reject = [&](int64_t line, std::string reason) {
    ++summary.rejected;
    summary.errors.push_back(RowError{line, std::move(reason)});
  };
  for (const CsvLine& row : rows) {
    if (row.fields.size() < columns.width) {
      reject(row.line, absl::StrCat("missing column: expected ", columns.width, " fields, found ",
                                    row.fields.size()));
      continue;
    }
    if (row.fields.size() > columns.width) {
      reject(row.line,
             absl::StrCat("expected ", columns.width, " fields, found ", row.fields.size()));
      continue;
    }
    EventInput e;
    e.event_id = row.fields[columns.event_id];
    e.agent_id = row.fields[columns.agent_id];
    e.metric = row.fields[columns.metric];
    const std::string& value_text = row.fields[columns.value];
    const std::string& time_text = row.fields[columns.occurred_at];
    if (!ParseDecimal(value_text, &e.value)) {
      // Check the other fields first so the reason names the first problem in column order.
      std::string earlier =
          CheckEvent(EventInput{e.event_id, e.agent_id, e.metric, 0, {}}, *agents);
      if (!earlier.empty() && earlier.rfind("value", 0) != 0) {
        reject(row.line, earlier);
      } else {
        reject(row.line, absl::StrCat("value: ", Quoted(value_text),
                                      " is not a decimal number (like 12 or -3.25)"));
      }
      continue;
    }
    std::string problem = CheckEvent(e, *agents);
    if (!problem.empty()) {
      reject(row.line, problem);
      continue;
    }
    std::optional<absl::Time> when = ParseRfc3339(time_text);
    if (!when) {
      reject(row.line, absl::StrCat("occurred_at: ", Quoted(time_text),
                                    " is not an RFC 3339 time with an offset "
                                    "(e.g. 2026-10-05T14:03:00+02:00)"));
      continue;
    }
    valid.push_back(StoredEvent{std::move(e.event_id), std::move(e.agent_id), std::move(e.metric),
                                e.value, absl::ToUnixMicros(*when)});
    valid_lines.push_back(row.line);
  }
  if (!valid.empty()) {
    auto outcomes = store_->InsertEvents(valid, replacement);
    if (!outcomes.ok()) return outcomes.status();
    for (size_t i = 0; i < outcomes->size(); ++i) {
      switch ((*outcomes)[i]) {
        case InsertOutcome::kStored:
          ++summary.imported;
          break;
        case InsertOutcome::kReplaced:
          ++summary.replaced;
          break;
        case InsertOutcome::kDuplicate:
          ++summary.duplicates;
          break;
        case InsertOutcome::kConflict:
        case InsertOutcome::kRetracted:
          reject(valid_lines[i], InsertRefusal((*outcomes)[i], valid[i].event_id));
          break;
      }
    }
  }
  std::sort(summary.errors.begin(), summary.errors.end(),
            [](const RowError& a, const RowError& b) { return a.line < b.line; });
  Count(summary.imported, summary.replaced, summary.duplicates, summary.rejected);
  return summary;
}

absl::StatusOr<std::vector<EventResult>> EventIngestor::IngestEvents(
    const std::vector<EventInput>& events, const std::optional<EventReplacement>& replacement) {
  auto known = KnownAgents();
  if (!known.ok()) return known.status();
  const absl::flat_hash_set<std::string>* agents = known->get();
  std::vector<EventResult> results(events.size());
  std::vector<StoredEvent> valid;
  std::vector<size_t> index;
  for (size_t i = 0; i < events.size(); ++i) {
    std::string problem = CheckEvent(events[i], *agents);
    if (!problem.empty()) {
      results[i] = EventResult{EventOutcome::kRejected, problem};
      continue;
    }
    valid.push_back(StoredEvent{events[i].event_id, events[i].agent_id, events[i].metric,
                                events[i].value, absl::ToUnixMicros(events[i].occurred_at)});
    index.push_back(i);
  }
  if (!valid.empty()) {
    auto outcomes = store_->InsertEvents(valid, replacement);
    if (!outcomes.ok()) return outcomes.status();
    for (size_t k = 0; k < outcomes->size(); ++k) {
      EventResult& r = results[index[k]];
      switch ((*outcomes)[k]) {
        case InsertOutcome::kStored:
          r.outcome = EventOutcome::kStored;
          break;
        case InsertOutcome::kReplaced:
          r.outcome = EventOutcome::kReplaced;
          break;
        case InsertOutcome::kDuplicate:
          r.outcome = EventOutcome::kDuplicate;
          break;
        case InsertOutcome::kConflict:
        case InsertOutcome::kRetracted:
          r.outcome = EventOutcome::kRejected;
          r.error = InsertRefusal((*outcomes)[k], valid[k].event_id);
          break;
      }
    }
  }
  int64_t counts[4] = {0, 0, 0, 0};
  for (const EventResult& r : results) ++counts[static_cast<int>(r.outcome)];
  Count(counts[static_cast<int>(EventOutcome::kStored)],
        counts[static_cast<int>(EventOutcome::kReplaced)],
        counts[static_cast<int>(EventOutcome::kDuplicate)],
        counts[static_cast<int>(EventOutcome::kRejected)]);
  return results;
}

EventIngestor::EventIngestor(Store* store, Telemetry* telemetry)
    : store_(store),
      events_(telemetry == nullptr
                  ? nullptr
                  : telemetry->AddCounter("plaudit_events_ingested_total",
                                          "Metric events taken in, by what became of them: "
                                          "stored, replaced, duplicate (already stored the "
                                          "same) or rejected (invalid, or refused by the store).",
                                          {"outcome"})) {}

void EventIngestor::Count(int64_t stored, int64_t replaced, int64_t duplicate, int64_t rejected) {
  if (events_ == nullptr) return;
  const std::pair<const char*, int64_t> counts[] = {
      {"stored", stored}, {"replaced", replaced}, {"duplicate", duplicate}, {"rejected", rejected}};
  for (const auto& [outcome, count] : counts) {
    if (count > 0) events_->Add({outcome}, static_cast<double>(count));
  }
}

absl::StatusOr<ImportSummary> ImportAgents(Store* store, const std::vector<std::string>& header,
                                           const std::vector<CsvLine>& rows) {
  static const char* const kColumns[] = {"id",      "display_name", "email", "team",
                                         "channel", "hire_date",    "status"};
  int position[7];
  std::vector<std::string> missing;
  for (int c = 0; c < 7; ++c) {
    position[c] = -1;
    for (size_t i = 0; i < header.size(); ++i) {
      if (absl::StripAsciiWhitespace(header[i]) == kColumns[c]) position[c] = static_cast<int>(i);
    }
    if (position[c] < 0) missing.push_back(kColumns[c]);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line 1: header: missing column", missing.size() > 1 ? "s " : " ",
                     absl::StrJoin(missing, ", "),
                     " (expected id,display_name,email,team,channel,hire_date,status)"));
  }
  // Optional: whether the agent may be praised in public (yes, the default, or no).
  int public_praise_column = -1;
  // Optional: the language the agent reads Plaudit in, a language tag (sv, pt-BR).
  int locale_column = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (absl::StripAsciiWhitespace(header[i]) == "public_praise") {
      public_praise_column = static_cast<int>(i);
    }
    if (absl::StripAsciiWhitespace(header[i]) == "locale") locale_column = static_cast<int>(i);
  }
  ImportSummary summary;
  std::vector<Agent> valid;
  for (const CsvLine& row : rows) {
    auto reject = [&](std::string reason) {
      ++summary.rejected;
      summary.errors.push_back(RowError{row.line, std::move(reason)});
    };
    if (row.fields.size() != header.size()) {
      reject(absl::StrCat(row.fields.size() < header.size() ? "missing column: " : "", "expected ",
                          header.size(), " fields, found ", row.fields.size()));
      continue;
    }
    auto field = [&](int c) {
      return std::string(absl::StripAsciiWhitespace(row.fields[position[c]]));
    };
    Agent a;
    a.id = field(0);
    a.display_name = field(1);
    a.email = field(2);
    a.team = field(3);
    if (!ValidId(a.id)) {
      reject(absl::StrCat("id: invalid ", Quoted(a.id),
                          " (1-128 characters of letters, digits, - _ . :)"));
      continue;
    }
    if (a.display_name.empty()) {
      reject("display_name: empty");
      continue;
    }
    // Names end up in certificates, tables and CSV exports: one line of printable text each.
    std::string_view with_control = HasControlCharacter(a.display_name) ? "display_name"
                                    : HasControlCharacter(a.email)      ? "email"
                                    : HasControlCharacter(a.team)       ? "team"
                                                                        : "";
    if (!with_control.empty()) {
      reject(absl::StrCat(std::string(with_control), ": contains a control character"));
      continue;
    }
    if (a.email.find('@') == std::string::npos || a.email.find(' ') != std::string::npos) {
      reject(absl::StrCat("email: ", Quoted(a.email), " is not an email address"));
      continue;
    }
    std::optional<Channel> channel = ParseChannel(field(4));
    if (!channel) {
      reject(
          absl::StrCat("channel: ", Quoted(field(4)), " is not one of phone, email, chat, social"));
      continue;
    }
    a.channel = *channel;
    absl::CivilDay day;
    std::string hire = field(5);
    if (hire.size() != 10 || !absl::ParseCivilTime(hire, &day) ||
        absl::FormatCivilTime(day) != hire) {
      reject(absl::StrCat("hire_date: ", Quoted(hire), " is not a date YYYY-MM-DD"));
      continue;
    }
    a.hire_date = day;
    std::string status = field(6);
    if (status != "active" && status != "inactive") {
      reject(absl::StrCat("status: ", Quoted(status), " is not active or inactive"));
      continue;
    }
    a.active = status == "active";
    if (public_praise_column >= 0) {
      std::string opt = std::string(absl::StripAsciiWhitespace(row.fields[public_praise_column]));
      if (opt == "no") {
        a.public_praise = false;
      } else if (opt != "yes" && !opt.empty()) {
        reject(absl::StrCat("public_praise: ", Quoted(opt), " is not yes or no"));
        continue;
      }
    }
    if (locale_column >= 0) {
      a.locale = std::string(absl::StripAsciiWhitespace(row.fields[locale_column]));
      if (!a.locale.empty() && !IsLanguageTag(a.locale)) {
        reject(absl::StrCat("locale: ", Quoted(a.locale),
                            " is not a language tag (such as sv, pt-BR or fa)"));
        continue;
      }
    }
    valid.push_back(std::move(a));
  }
  if (!valid.empty()) {
    absl::Status s = store->UpsertAgents(valid);
    if (!s.ok()) return s;
  }
  summary.imported = static_cast<int64_t>(valid.size());
  return summary;
}

}  // namespace plaudit
