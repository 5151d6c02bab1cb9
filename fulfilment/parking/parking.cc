// The "parking" fulfilment plugin: reserves one parking spot from a configured pool for a window
// of days after the award's period, never booking a spot twice in overlapping windows.
//
// Config keys:
//   spots      required; the pool, in order: SPOT[:ATTR,ATTR...] separated by ";", e.g.
//              "P1:vip,near_entrance;P2:ev;P3:accessible,near_entrance;P4". Spot ids use
//              letters, digits, "-", "_", "."; attributes lowercase letters, digits, "-", "_".
//   window     next_month (default) | next_week | days:N (1 <= N <= 366)
//   time_zone  IANA zone for "today" (default UTC)
//   when_full  fail (default: PERMANENT) | wait (PENDING until a spot frees)
//
// Reward params: prefer (ATTR,ATTR...), require (ATTR,ATTR...), window (as the setting), or
// from and to (YYYY-MM-DD, inclusive, both or neither, at most 366 days).
//
// The window follows the award's period (its last day, in the program's time zone, from the
// period's instants the host sends): next_month is the calendar month after the month holding
// that day, next_week the Monday-to-Sunday week after it, days:N the N days after it. Without the
// period's instants it follows yesterday, i.e. starts from today.
//
// Which spot: among the spots that have every required attribute and no booking overlapping the
// window, those having the first preferred attribute beat those without it; among equals, the
// second preferred attribute decides, and so on; remaining ties go to the spot listed first.
// Who books first chooses first, so the plugin declares allocates_in_rank_order: the host books
// the winners of one decision one at a time, best rank first. With when_full: wait, a winner
// waiting for a spot therefore holds back the lower ranks of its decision until it is booked or
// released; it cannot be passed by one of them for a spot that frees up.
//
// State keys:
//   spot/<id>         the spot's bookings, one record per line: from, to, key, award, agent id,
//                     agent name
//   booking/<key>     booked (spot, from, to, ...), waiting (the request) or released (by whom)
//   waiting           keys waiting for a spot, one per line
//
// A booking is one commit that adds it to the spot's list on the condition that the list still
// holds what was read (compare-and-set) and that the key has no booking yet: two rewards booking
// at once can never both take the spot, and the loser picks again. "lookup" of a waiting key
// tries again to book it: that continues the placement Fulfil began, it places nothing new.
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "fulfilment/common/period_days.h"
#include "fulfilment/common/state_text.h"
#include "plaudit/plugin_sdk.h"
#include "plaudit/state_transaction.h"
#include "plaudit/trim.h"

namespace plaudit::fulfilment {
namespace {

namespace pb = ::plaudit::plugin::v1;
using ::plaudit::sdk::kFailedPrecondition;
using ::plaudit::sdk::kInvalidArgument;
using ::plaudit::sdk::kNotFound;
using ::plaudit::sdk::kUnauthenticated;
using ::plaudit::sdk::Outcome;
using ::plaudit::sdk::QueryError;
using ::plaudit::sdk::StateRead;
using Record = std::vector<std::string>;

constexpr char kPluginName[] = "parking";
constexpr char kVersion[] = "1.0.0";
constexpr char kWaitingKey[] = "waiting";
constexpr int kMaxCommitAttempts = 32;
constexpr int kMaxWindowDays = 366;
constexpr size_t kMaxSpots = 1000;

struct Spot {
  std::string id;
  std::vector<std::string> attributes;

  bool Has(const std::string& attribute) const {
    return std::find(attributes.begin(), attributes.end(), attribute) != attributes.end();
  }
};

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool IsAttributeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

std::string DescribeSpot(const Spot& spot) {
  if (spot.attributes.empty()) return "spot " + spot.id;
  return "spot " + spot.id + " (" + Join(spot.attributes, ", ") + ")";
}

// Parses the "spots" setting; returns "" or a reason naming the spot.
std::string ParseSpots(std::string_view text, std::vector<Spot>* spots) {
  const std::string example = "e.g. \"P1:vip,near_entrance;P2:ev;P3\"";
  if (Trim(text).empty()) return "config spots is required, " + example;
  std::vector<std::string> entries = SplitTrimmed(text, ';');
  if (entries.size() > 1 && entries.back().empty()) entries.pop_back();  // a trailing ";"
  std::set<std::string> seen;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string& entry = entries[i];
    if (entry.empty()) return "config spots: entry " + std::to_string(i + 1) + " is empty";
    Spot spot;
    const size_t colon = entry.find(':');
    spot.id = std::string(Trim(std::string_view(entry).substr(0, colon)));
    if (spot.id.empty()) {
      return "config spots: entry " + std::to_string(i + 1) + " (\"" + entry + "\") has no spot id";
    }
    if (!std::all_of(spot.id.begin(), spot.id.end(), IsIdChar)) {
      return "config spots: spot \"" + spot.id +
             "\" has an invalid id (use letters, digits, '-', '_', '.')";
    }
    if (!seen.insert(spot.id).second) {
      return "config spots: spot \"" + spot.id + "\" is listed twice";
    }
    if (colon != std::string::npos) {
      for (const std::string& attribute : SplitTrimmed(entry.substr(colon + 1), ',')) {
        if (attribute.empty()) {
          return "config spots: spot \"" + spot.id + "\" has an empty attribute";
        }
        if (!std::all_of(attribute.begin(), attribute.end(), IsAttributeChar)) {
          return "config spots: spot \"" + spot.id + "\" has an invalid attribute \"" + attribute +
                 "\" (use lowercase letters, digits, '-', '_')";
        }
        if (spot.Has(attribute)) {
          return "config spots: spot \"" + spot.id + "\" lists attribute \"" + attribute +
                 "\" twice";
        }
        spot.attributes.push_back(attribute);
      }
    }
    spots->push_back(std::move(spot));
  }
  if (spots->size() > kMaxSpots) {
    return "config spots: " + std::to_string(spots->size()) + " spots, at most " +
           std::to_string(kMaxSpots);
  }
  return {};
}

// How far the window reaches from the award's period.
struct WindowRule {
  enum Kind { kNextMonth, kNextWeek, kDays } kind = kNextMonth;
  int days = 0;
};

std::optional<WindowRule> ParseWindowRule(std::string_view text) {
  text = Trim(text);
  if (text == "next_month") return WindowRule{WindowRule::kNextMonth, 0};
  if (text == "next_week") return WindowRule{WindowRule::kNextWeek, 0};
  if (text.starts_with("days:")) {
    if (auto days = ParseBoundedInt(text.substr(5), 1, kMaxWindowDays)) {
      return WindowRule{WindowRule::kDays, static_cast<int>(*days)};
    }
  }
  return std::nullopt;
}

constexpr char kWindowSyntax[] = "next_month, next_week or days:N with 1 <= N <= 366";

struct Window {
  absl::CivilDay from;
  absl::CivilDay to;  // inclusive
};

Window WindowAfter(const WindowRule& rule, absl::CivilDay last_day) {
  switch (rule.kind) {
    case WindowRule::kNextWeek: {
      const absl::CivilDay monday = absl::NextWeekday(last_day, absl::Weekday::monday);
      return {monday, monday + 6};
    }
    case WindowRule::kDays:
      return {last_day + 1, last_day + rule.days};
    case WindowRule::kNextMonth:
      break;
  }
  const absl::CivilMonth month = absl::CivilMonth(last_day) + 1;
  return {absl::CivilDay(month), absl::CivilDay(month + 1) - 1};
}

bool Overlaps(const Window& a, const Window& b) { return a.from <= b.to && b.from <= a.to; }

std::string DescribeWindow(const Window& window) {
  return FormatDay(window.from) + " to " + FormatDay(window.to);
}

// One reward's claim: the window and what it asks of a spot.
struct SpotRequest {
  Window window;
  std::vector<std::string> prefer;
  std::vector<std::string> require;
  std::string award;
  std::string agent_id;
  std::string agent_name;
};

// One entry of a spot's booking list.
struct Booking {
  Window window;
  std::string key;
  std::string award;
  std::string agent_id;
  std::string agent_name;
};

Record BookingRecord(const Booking& booking) {
  return {FormatDay(booking.window.from),
          FormatDay(booking.window.to),
          booking.key,
          booking.award,
          booking.agent_id,
          booking.agent_name};
}

std::optional<Booking> ParseBooking(const Record& record) {
  if (record.size() < 6) return std::nullopt;
  const auto from = ParseDay(record[0]);
  const auto to = ParseDay(record[1]);
  if (!from || !to) return std::nullopt;
  return Booking{{*from, *to}, record[2], record[3], record[4], record[5]};
}

// booking/<key> records; the first field says which.
constexpr char kBooked[] = "booked";      // spot, from, to, award, agent id, agent name
constexpr char kWaiting[] = "waiting";    // from, to, prefer, require, award, agent id, agent name
constexpr char kReleased[] = "released";  // spot, from, to, actor, day

std::string Artifact(const Spot* spot, const std::string& spot_id, const Window& window) {
  return (spot != nullptr ? DescribeSpot(*spot) : "spot " + spot_id) + " from " +
         DescribeWindow(window);
}

std::string DescribeAsks(const SpotRequest& request) {
  std::string asks;
  if (!request.prefer.empty()) asks += "preferring " + Join(request.prefer, ", ");
  if (!request.require.empty()) {
    if (!asks.empty()) asks += "; ";
    asks += "requiring " + Join(request.require, ", ");
  }
  return asks.empty() ? std::string() : " (" + asks + ")";
}

std::string AgentLabel(const std::string& name, const std::string& id) {
  if (name.empty()) return id;
  if (id.empty()) return name;
  return name + " (" + id + ")";
}

class ParkingPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("parking");
    // Spots are scarce: the best free one goes to whoever books first, so the host must book
    // for the higher rank first.
    info->set_allocates_in_rank_order(true);
    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "spots" && key != "window" && key != "time_zone" && key != "when_full") {
        return "unknown config key \"" + key + "\" (known: spots, window, time_zone, when_full)";
      }
    }
    spots_.clear();
    const auto spots = config.find("spots");
    if (std::string error = ParseSpots(spots == config.end() ? "" : spots->second, &spots_);
        !error.empty()) {
      return error;
    }
    window_ = WindowRule();
    if (auto it = config.find("window"); it != config.end()) {
      const auto rule = ParseWindowRule(it->second);
      if (!rule)
        return "config window must be " + std::string(kWindowSyntax) + "; got \"" + it->second +
               "\"";
      window_ = *rule;
    }
    zone_ = absl::UTCTimeZone();
    if (auto it = config.find("time_zone"); it != config.end()) {
      if (!absl::LoadTimeZone(std::string(Trim(it->second)), &zone_)) {
        return "config time_zone: unknown time zone \"" + it->second + "\"";
      }
    }
    wait_when_full_ = false;
    if (auto it = config.find("when_full"); it != config.end()) {
      const std::string_view mode = Trim(it->second);
      if (mode != "fail" && mode != "wait") {
        return "config when_full must be fail or wait; got \"" + it->second + "\"";
      }
      wait_when_full_ = mode == "wait";
    }
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    if (request.idempotency_key().empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    }
    SpotRequest spot_request;
    if (std::string error = ReadRequest(request, &spot_request); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }
    return Settle(request.idempotency_key(), &spot_request);
  }

  pb::FulfilResponse Lookup(const pb::FulfilRequest& request) override {
    return Settle(request.idempotency_key(), nullptr);
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    if (request.method() == "calendar") return Calendar(request);
    if (request.method() == "release") return Release(request);
    return QueryError(kNotFound,
                      "unknown query \"" + request.method() + "\" (known: calendar, release)");
  }

 private:
  const Spot* FindSpot(const std::string& id) const {
    for (const Spot& spot : spots_) {
      if (spot.id == id) return &spot;
    }
    return nullptr;
  }

  // Reads an attribute list param; "" or a reason naming the param.
  std::string ReadAttributes(const pb::FulfilRequest& request, const std::string& param,
                             std::vector<std::string>* attributes) const {
    const auto it = request.params().find(param);
    if (it == request.params().end() || Trim(it->second).empty()) return {};
    for (const std::string& attribute : SplitTrimmed(it->second, ',')) {
      if (attribute.empty())
        return "param " + param + " has an empty attribute: \"" + it->second + "\"";
      const bool known = std::any_of(spots_.begin(), spots_.end(),
                                     [&](const Spot& spot) { return spot.Has(attribute); });
      if (!known) {
        std::set<std::string> all;
        for (const Spot& spot : spots_) all.insert(spot.attributes.begin(), spot.attributes.end());
        return "param " + param + ": no spot in the pool has attribute \"" + attribute +
               "\" (pool attributes: " +
               (all.empty() ? std::string("none")
                            : Join(std::vector<std::string>(all.begin(), all.end()), ", ")) +
               ")";
      }
      if (std::find(attributes->begin(), attributes->end(), attribute) == attributes->end()) {
        attributes->push_back(attribute);
      }
    }
    return {};
  }

  // The reward's claim from its params and period; "" or a reason naming the param.
  std::string ReadRequest(const pb::FulfilRequest& request, SpotRequest* out) {
    for (const auto& [key, value] : request.params()) {
      if (key != "prefer" && key != "require" && key != "window" && key != "from" && key != "to") {
        return "unknown param \"" + key + "\" (known: prefer, require, window, from, to)";
      }
    }
    if (std::string error = ReadAttributes(request, "prefer", &out->prefer); !error.empty()) {
      return error;
    }
    if (std::string error = ReadAttributes(request, "require", &out->require); !error.empty()) {
      return error;
    }
    const auto& params = request.params();
    const auto from = params.find("from");
    const auto to = params.find("to");
    if (from != params.end() || to != params.end()) {
      if (from == params.end() || to == params.end()) {
        return "params from and to go together (YYYY-MM-DD, inclusive)";
      }
      if (params.count("window") != 0) return "param window cannot be combined with from and to";
      const auto from_day = ParseDay(Trim(from->second));
      const auto to_day = ParseDay(Trim(to->second));
      if (!from_day) return "param from must be a date YYYY-MM-DD; got \"" + from->second + "\"";
      if (!to_day) return "param to must be a date YYYY-MM-DD; got \"" + to->second + "\"";
      if (*to_day < *from_day) {
        return "param to (" + to->second + ") is before from (" + from->second + ")";
      }
      if (*to_day - *from_day >= kMaxWindowDays) {
        return "params from and to span more than " + std::to_string(kMaxWindowDays) + " days";
      }
      out->window = {*from_day, *to_day};
    } else {
      WindowRule rule = window_;
      if (auto it = params.find("window"); it != params.end()) {
        const auto parsed = ParseWindowRule(it->second);
        if (!parsed) {
          return "param window must be " + std::string(kWindowSyntax) + "; got \"" + it->second +
                 "\"";
        }
        rule = *parsed;
      }
      const std::optional<PeriodDays> period = PeriodDaysOf(request);
      const absl::CivilDay last_day =
          period ? period->last : LocalDay(host().NowMicros(), zone_) - 1;
      out->window = WindowAfter(rule, last_day);
    }
    out->award = request.award_id();
    out->agent_id = request.agent().id();
    out->agent_name = request.agent().display_name();
    return {};
  }

  // Reads every spot's booking list, in pool order. False with *error when the store failed or
  // holds something unreadable.
  bool ReadSpotLists(std::vector<std::optional<std::string>>* raw,
                     std::vector<std::vector<Booking>>* lists, std::string* error) {
    raw->clear();
    lists->clear();
    for (const Spot& spot : spots_) {
      const StateRead read = host().ReadState("spot/" + spot.id);
      if (!read.ok) {
        *error = "state store: " + read.error;
        return false;
      }
      std::vector<Booking> bookings;
      if (read.value) {
        for (const Record& record : DecodeRecordList(*read.value)) {
          auto booking = ParseBooking(record);
          if (!booking) {
            *error = "stored bookings of spot " + spot.id + " are unreadable";
            return false;
          }
          bookings.push_back(std::move(*booking));
        }
      }
      raw->push_back(read.value);
      lists->push_back(std::move(bookings));
    }
    return true;
  }

  // The spot the rule picks for `request`, or -1 when none is free.
  int ChooseSpot(const SpotRequest& request, const std::vector<std::vector<Booking>>& lists) const {
    int best = -1;
    std::vector<bool> best_score;
    for (size_t i = 0; i < spots_.size(); ++i) {
      const Spot& spot = spots_[i];
      const bool eligible = std::all_of(request.require.begin(), request.require.end(),
                                        [&](const std::string& a) { return spot.Has(a); });
      if (!eligible) continue;
      const bool taken = std::any_of(lists[i].begin(), lists[i].end(), [&](const Booking& b) {
        return Overlaps(b.window, request.window);
      });
      if (taken) continue;
      std::vector<bool> score;
      for (const std::string& attribute : request.prefer) score.push_back(spot.Has(attribute));
      if (best < 0 || score > best_score) {
        best = static_cast<int>(i);
        best_score = std::move(score);
      }
    }
    return best;
  }

  int CountEligible(const SpotRequest& request) const {
    return static_cast<int>(std::count_if(spots_.begin(), spots_.end(), [&](const Spot& spot) {
      return std::all_of(request.require.begin(), request.require.end(),
                         [&](const std::string& a) { return spot.Has(a); });
    }));
  }

  std::string NoneFree(const SpotRequest& request) const {
    const int eligible = CountEligible(request);
    return "no parking spot is free from " + DescribeWindow(request.window) +
           DescribeAsks(request) + ": all " + std::to_string(eligible) +
           (request.require.empty() ? " spots" : " matching spots") + " are booked";
  }

  // Books the key's spot, or says where it stands. `fresh` is the claim of a Fulfil call; a
  // lookup passes nullptr and only continues a claim that is waiting.
  pb::FulfilResponse Settle(const std::string& key, const SpotRequest* fresh) {
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "idempotency_key is empty");
    if (fresh != nullptr && CountEligible(*fresh) == 0) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                     "no spot in the pool has all of " + Join(fresh->require, ", "));
    }
    const std::string booking_key = "booking/" + key;
    // Conditions: the key's booking, the chosen spot's list and the waiting queue when written.
    // A conflict is someone booking that spot, the queue moving, or the key being settled.
    std::optional<pb::FulfilResponse> settled = sdk::RetryStateTransaction(
        host(), kMaxCommitAttempts,
        [&](sdk::StateTransaction& tx) -> std::optional<pb::FulfilResponse> {
          const StateRead current = tx.Read(booking_key);
          if (!current.ok) {
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + current.error);
          }
          SpotRequest request;
          bool waiting = false;
          if (current.value) {
            const Record record = DecodeRecord(*current.value);
            if (record[0] == kBooked && record.size() >= 4) {
              const auto from = ParseDay(record[2]);
              const auto to = ParseDay(record[3]);
              if (from && to) {
                return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {},
                               Artifact(FindSpot(record[1]), record[1], {*from, *to}));
              }
            } else if (record[0] == kReleased && record.size() >= 5) {
              return Outcome(pb::FULFIL_OUTCOME_PERMANENT,
                             "the booking of spot " + (record[1].empty() ? "(none)" : record[1]) +
                                 " from " + record[2] + " to " + record[3] + " was released by " +
                                 record[4]);
            } else if (record[0] == kWaiting && record.size() >= 8) {
              const auto from = ParseDay(record[1]);
              const auto to = ParseDay(record[2]);
              if (from && to) {
                waiting = true;
                request.window = {*from, *to};
                if (!record[3].empty()) request.prefer = SplitTrimmed(record[3], ',');
                if (!record[4].empty()) request.require = SplitTrimmed(record[4], ',');
                request.award = record[5];
                request.agent_id = record[6];
                request.agent_name = record[7];
              }
            }
            if (!waiting) {
              return Outcome(
                  pb::FULFIL_OUTCOME_PERMANENT,
                  "stored booking of key " + key + " is unreadable: \"" + *current.value + "\"");
            }
          } else if (fresh == nullptr) {
            return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "no booking under key " + key);
          } else {
            request = *fresh;
          }

          std::vector<std::optional<std::string>> raw;
          std::vector<std::vector<Booking>> lists;
          std::string error;
          if (!ReadSpotLists(&raw, &lists, &error)) {
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error);
          }
          const int chosen = ChooseSpot(request, lists);
          if (chosen < 0 && (waiting || !wait_when_full_)) {
            if (!waiting) {
              // A concurrent call for this key may have booked the last spot: report that booking.
              const StateRead now = host().ReadState(booking_key);
              if (now.ok && now.value) return std::nullopt;
              return Outcome(pb::FULFIL_OUTCOME_PERMANENT, NoneFree(request));
            }
            return Outcome(pb::FULFIL_OUTCOME_PENDING, "waiting: " + NoneFree(request));
          }

          const StateRead queue = host().ReadState(kWaitingKey);
          if (!queue.ok)
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + queue.error);
          std::vector<Record> queued =
              queue.value ? DecodeRecordList(*queue.value) : std::vector<Record>();

          std::string artifact;
          if (chosen >= 0) {
            const Spot& spot = spots_[chosen];
            std::vector<Booking> bookings = lists[chosen];
            bookings.push_back(
                {request.window, key, request.award, request.agent_id, request.agent_name});
            std::sort(bookings.begin(), bookings.end(), [](const Booking& a, const Booking& b) {
              return a.window.from < b.window.from;
            });
            std::vector<Record> records;
            for (const Booking& booking : bookings) records.push_back(BookingRecord(booking));
            tx.Put("spot/" + spot.id, EncodeRecordList(records));
            tx.Expect("spot/" + spot.id, raw[chosen]);
            tx.Put(booking_key, EncodeRecord({kBooked, spot.id, FormatDay(request.window.from),
                                              FormatDay(request.window.to), request.award,
                                              request.agent_id, request.agent_name}));
            if (waiting) {
              std::erase_if(queued, [&](const Record& r) { return r[0] == key; });
              tx.Put(kWaitingKey, EncodeRecordList(queued));
              tx.Expect(kWaitingKey, queue.value);
            }
            artifact = Artifact(&spot, spot.id, request.window);
          } else {
            queued.push_back({key});
            tx.Put(kWaitingKey, EncodeRecordList(queued));
            tx.Expect(kWaitingKey, queue.value);
            tx.Put(booking_key,
                   EncodeRecord({kWaiting, FormatDay(request.window.from),
                                 FormatDay(request.window.to), Join(request.prefer, ","),
                                 Join(request.require, ","), request.award, request.agent_id,
                                 request.agent_name}));
          }
          switch (tx.Commit(&error)) {
            case sdk::CommitResult::kCommitted:
              if (chosen < 0) {
                return Outcome(pb::FULFIL_OUTCOME_PENDING, "waiting: " + NoneFree(request));
              }
              host().Info("parking: booked " + artifact + " for agent " + request.agent_id +
                          " (key " + key + ")");
              return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, artifact);
            case sdk::CommitResult::kConflict:
              return std::nullopt;
            case sdk::CommitResult::kRefused:
              break;
          }
          return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store refused the booking: " + error);
        });
    if (settled) return *settled;
    return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "parking bookings kept changing; gave up after " +
                                                     std::to_string(kMaxCommitAttempts) +
                                                     " attempts");
  }

  pb::QueryResponse Calendar(const pb::QueryRequest& request) {
    for (const auto& [key, value] : request.args()) {
      if (key != "month")
        return QueryError(kInvalidArgument, "unknown arg \"" + key + "\" (known: month)");
    }
    Window range;
    if (auto it = request.args().find("month"); it != request.args().end()) {
      const std::optional<absl::CivilDay> first = ParseDay(std::string(Trim(it->second)) + "-01");
      if (!first || Trim(it->second).size() != 7) {
        return QueryError(kInvalidArgument, "month must be YYYY-MM; got \"" + it->second + "\"");
      }
      range = {*first, absl::CivilDay(absl::CivilMonth(*first) + 1) - 1};
    } else {
      range = {LocalDay(host().NowMicros(), zone_), absl::CivilDay(9999, 12, 31)};
    }
    std::vector<std::optional<std::string>> raw;
    std::vector<std::vector<Booking>> lists;
    std::string error;
    if (!ReadSpotLists(&raw, &lists, &error)) return QueryError(0, error);

    pb::QueryResponse response;
    for (const char* column : {"spot", "attributes", "from", "to", "agent", "award"}) {
      response.add_columns(column);
    }
    for (size_t i = 0; i < spots_.size(); ++i) {
      bool any = false;
      for (const Booking& booking : lists[i]) {
        if (!Overlaps(booking.window, range)) continue;
        any = true;
        auto* row = response.add_rows();
        for (const std::string& cell :
             {spots_[i].id, Join(spots_[i].attributes, ","), FormatDay(booking.window.from),
              FormatDay(booking.window.to), AgentLabel(booking.agent_name, booking.agent_id),
              booking.award}) {
          row->add_cells(cell);
        }
      }
      if (!any) {
        auto* row = response.add_rows();
        for (const std::string& cell :
             {spots_[i].id, Join(spots_[i].attributes, ","), std::string(), std::string(),
              std::string("(free)"), std::string()}) {
          row->add_cells(cell);
        }
      }
    }
    if (auto queue = host().StateGet(kWaitingKey)) {
      const size_t waiting = DecodeRecordList(*queue).size();
      if (waiting > 0) {
        response.set_text(std::to_string(waiting) + (waiting == 1 ? " reward is" : " rewards are") +
                          " waiting for a spot");
      }
    }
    return response;
  }

  pb::QueryResponse Release(const pb::QueryRequest& request) {
    if (request.actor().empty()) {
      return QueryError(kUnauthenticated, "release needs to know who releases (plaudit --as USER)");
    }
    const auto it = request.args().find("idempotency_key");
    if (it == request.args().end() || Trim(it->second).empty()) {
      return QueryError(kInvalidArgument, "arg idempotency_key is required");
    }
    const std::string key(Trim(it->second));
    const std::string booking_key = "booking/" + key;
    const std::string today = FormatDay(LocalDay(host().NowMicros(), zone_));
    std::optional<pb::QueryResponse> settled = sdk::RetryStateTransaction(
        host(), kMaxCommitAttempts,
        [&](sdk::StateTransaction& tx) -> std::optional<pb::QueryResponse> {
          const StateRead current = tx.Read(booking_key);
          if (!current.ok) return QueryError(0, "state store: " + current.error);
          if (!current.value) return QueryError(kNotFound, "no booking under key " + key);
          const Record record = DecodeRecord(*current.value);
          if (record[0] == kReleased) {
            return QueryError(kFailedPrecondition, "the booking under key " + key +
                                                       " was already released by " +
                                                       (record.size() > 4 ? record[4] : "someone"));
          }
          std::string spot_id;
          std::string from;
          std::string to;
          const StateRead queue = host().ReadState(kWaitingKey);
          if (!queue.ok) return QueryError(0, "state store: " + queue.error);
          std::vector<Record> queued =
              queue.value ? DecodeRecordList(*queue.value) : std::vector<Record>();
          if (record[0] == kBooked && record.size() >= 4) {
            spot_id = record[1];
            from = record[2];
            to = record[3];
            const StateRead list = tx.Read("spot/" + spot_id);
            if (!list.ok) return QueryError(0, "state store: " + list.error);
            std::vector<Record> bookings =
                list.value ? DecodeRecordList(*list.value) : std::vector<Record>();
            std::erase_if(bookings, [&](const Record& r) { return r.size() > 2 && r[2] == key; });
            tx.Put("spot/" + spot_id, EncodeRecordList(bookings));
          } else if (record[0] == kWaiting && record.size() >= 3) {
            from = record[1];
            to = record[2];
            std::erase_if(queued, [&](const Record& r) { return r[0] == key; });
            tx.Put(kWaitingKey, EncodeRecordList(queued));
            tx.Expect(kWaitingKey, queue.value);
          } else {
            return QueryError(0, "stored booking of key " + key + " is unreadable");
          }
          tx.Put(booking_key, EncodeRecord({kReleased, spot_id, from, to, request.actor(), today}));
          std::string error;
          switch (tx.Commit(&error)) {
            case sdk::CommitResult::kCommitted: {
              host().Info("parking: " + request.actor() + " released the booking under key " + key);
              pb::QueryResponse response;
              response.set_text(spot_id.empty() ? "released the waiting request under key " + key
                                                : "released spot " + spot_id + " from " + from +
                                                      " to " + to + " (key " + key + ")");
              // Rewards waiting for a spot may fit now: have the host look them up at once.
              for (const Record& r : queued) {
                if (r[0] != key) response.add_changed_keys(r[0]);
              }
              return response;
            }
            case sdk::CommitResult::kConflict:
              return std::nullopt;
            case sdk::CommitResult::kRefused:
              break;
          }
          return QueryError(0, "state store refused the release: " + error);
        });
    if (settled) return *settled;
    return QueryError(0, "parking bookings kept changing; try again");
  }

  std::vector<Spot> spots_;
  WindowRule window_;
  absl::TimeZone zone_ = absl::UTCTimeZone();
  bool wait_when_full_ = false;
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::ParkingPlugin)
