// The compact text forms both backends keep some records in: a reward's parameters, a decision's
// standing (one row each) and a contact fact's metric values. Shared so that a database moved from
// one backend to the other holds the same bytes.
#ifndef PLAUDIT_CORE_STORE_RECORD_CODEC_H_
#define PLAUDIT_CORE_STORE_RECORD_CODEC_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/scoring/scorecard.h"

namespace plaudit {

// key \x1f value \x1e, in key order.
std::string EncodeParams(const std::map<std::string, std::string>& params);
std::map<std::string, std::string> DecodeParams(const std::string& text);

// Metric values in their order: metric \x1f value \x1e, each value the shortest text that reads
// back exactly. Decoding skips an entry whose value is no number.
std::string EncodeMetricValues(const std::vector<std::pair<std::string, double>>& metrics);
std::vector<std::pair<std::string, double>> DecodeMetricValues(std::string_view text);

// Ids (which never hold \x1e) as one text: each followed by \x1e.
std::string EncodeIds(const std::set<std::string>& ids);
std::set<std::string> DecodeIds(std::string_view text);

// A standing as one line: agent, peer group, eligible, rank, score, reasons, metrics, and then
// what the award rule adds (team, members, target progress, previous, improvement, earlier streak
// and streak). Numbers as the shortest text that reads back exactly.
std::string EncodeStanding(const Standing& s);
// nullopt when `line` is not a standing (decisions stored before the rule fields existed have
// seven fields, and read back without them).
std::optional<Standing> DecodeStanding(absl::string_view line);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_RECORD_CODEC_H_
