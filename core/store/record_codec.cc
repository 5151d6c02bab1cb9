#include "core/store/record_codec.h"

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace plaudit {

namespace {

// Field and record separators of the compact text encodings below. Neither can appear in
// validated ids, metric names or generated reasons.
constexpr char kUnit = '\x1f';
constexpr char kRecord = '\x1e';

// The shortest text that reads back as exactly `v`.
std::string Num(double v) {
  char buffer[32];
  const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, end.ptr);
}

std::string OptionalNum(const std::optional<double>& v) { return v.has_value() ? Num(*v) : ""; }

std::optional<double> ParseOptionalNum(const std::string& text) {
  double value = 0;
  if (text.empty() || !absl::SimpleAtod(text, &value)) return std::nullopt;
  return value;
}

}  // namespace

std::string EncodeParams(const std::map<std::string, std::string>& params) {
  std::string out;
  for (const auto& [key, value] : params) absl::StrAppend(&out, key, "\x1f", value, "\x1e");
  return out;
}

std::map<std::string, std::string> DecodeParams(const std::string& text) {
  std::map<std::string, std::string> params;
  for (absl::string_view entry : absl::StrSplit(text, kRecord, absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(entry, absl::MaxSplits(kUnit, 1));
    params[kv.first] = kv.second;
  }
  return params;
}

std::string EncodeMetricValues(const std::vector<std::pair<std::string, double>>& metrics) {
  std::string out;
  for (const auto& [metric, value] : metrics) {
    absl::StrAppend(&out, metric, "\x1f", Num(value), "\x1e");
  }
  return out;
}

std::vector<std::pair<std::string, double>> DecodeMetricValues(std::string_view text) {
  std::vector<std::pair<std::string, double>> metrics;
  for (absl::string_view entry :
       absl::StrSplit(absl::string_view(text.data(), text.size()), kRecord, absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(entry, absl::MaxSplits(kUnit, 1));
    double value = 0;
    if (!absl::SimpleAtod(kv.second, &value)) continue;
    metrics.emplace_back(std::string(kv.first), value);
  }
  return metrics;
}

std::string EncodeIds(const std::set<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) absl::StrAppend(&out, id, "\x1e");
  return out;
}

std::set<std::string> DecodeIds(std::string_view text) {
  std::set<std::string> ids;
  for (absl::string_view id :
       absl::StrSplit(absl::string_view(text.data(), text.size()), kRecord, absl::SkipEmpty())) {
    ids.emplace(id);
  }
  return ids;
}

// A standing as one line: agent, peer group, eligible, rank, score, reasons, metrics, and then
// what the award rule adds: team, members, target progress, previous, improvement, earlier
// streak and streak. Decisions stored before the rule fields existed have seven fields.
std::string EncodeStanding(const Standing& s) {
  std::vector<std::string> metrics;
  for (const MetricStanding& m : s.metrics) {
    metrics.push_back(
        absl::StrCat(m.metric, "\x1d", Num(m.value), "\x1d", m.samples, "\x1d", Num(m.normalized)));
  }
  return absl::StrCat(
      s.agent_id, "\t", s.peer_group, "\t", s.eligible ? 1 : 0, "\t", s.rank, "\t", Num(s.score),
      "\t", absl::StrJoin(s.reasons, "\x1f"), "\t", absl::StrJoin(metrics, "\x1f"), "\t",
      absl::StrCat(s.team, "\x1d", absl::StrJoin(s.members, "\x1f"), "\x1d",
                   OptionalNum(s.target_progress), "\x1d", OptionalNum(s.previous), "\x1d",
                   OptionalNum(s.improvement), "\x1d", s.earlier_streak, "\x1d", s.streak));
}

std::optional<Standing> DecodeStanding(absl::string_view line) {
  std::vector<std::string> f = absl::StrSplit(line, '\t');
  if (f.size() != 7 && f.size() != 8) return std::nullopt;
  Standing s;
  s.agent_id = f[0];
  s.peer_group = f[1];
  s.eligible = f[2] == "1";
  (void)absl::SimpleAtoi(f[3], &s.rank);
  (void)absl::SimpleAtod(f[4], &s.score);
  if (!f[5].empty()) s.reasons = absl::StrSplit(f[5], kUnit);
  for (absl::string_view m : absl::StrSplit(f[6], kUnit, absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(m, '\x1d');
    if (parts.size() != 4) continue;
    MetricStanding ms;
    ms.metric = parts[0];
    (void)absl::SimpleAtod(parts[1], &ms.value);
    (void)absl::SimpleAtoi(parts[2], &ms.samples);
    (void)absl::SimpleAtod(parts[3], &ms.normalized);
    s.metrics.push_back(std::move(ms));
  }
  if (f.size() == 8) {
    std::vector<std::string> rule = absl::StrSplit(f[7], '\x1d');
    if (rule.size() == 7) {
      s.team = rule[0];
      if (!rule[1].empty()) s.members = absl::StrSplit(rule[1], kUnit);
      s.target_progress = ParseOptionalNum(rule[2]);
      s.previous = ParseOptionalNum(rule[3]);
      s.improvement = ParseOptionalNum(rule[4]);
      (void)absl::SimpleAtoi(rule[5], &s.earlier_streak);
      (void)absl::SimpleAtoi(rule[6], &s.streak);
    }
  }
  return s;
}

}  // namespace plaudit
