// The "manual" fulfilment plugin: rewards that a person hands over (a team lunch, event tickets,
// a sponsored trip, a pet-friendly day, a named corner, first pick of shifts, a training course).
// Fulfilling one opens a task for the assignee role; the reward stays pending until someone
// completes the task with the "complete" query, which records who handed it over.
//
// Config keys:
//   assignee_role  the role a reward without an assignee_role param goes to (optional)
//   due_days       days from the task's creation to its due date (default 14; 0 to 365)
//   time_zone      IANA zone of due dates and completion times (default UTC)
//
// Reward params:
//   item           required; what is handed over, e.g. "team lunch"
//   assignee_role  who hands it over, e.g. facilities, hr, team-lead (required without config)
//   due_days       as the setting, for this reward
//
// Queries:
//   tasks     [status open|done|all (default open)] [assignee_role R]: the tasks, oldest first
//   complete  idempotency_key (or a unique prefix of at least 8 characters), [note]: marks the
//             task done by the query's actor; answers changed_keys = [the key]
//
// State keys:
//   task/<key>  the task: status, award, agent id and name, item, role, created, due, completed
//               by, completed at, note
//   tasks       every task key, one per line, in creation order (the "tasks" query reads it)
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
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
using ::plaudit::sdk::kPermissionDenied;
using ::plaudit::sdk::kUnauthenticated;
using ::plaudit::sdk::Outcome;
using ::plaudit::sdk::QueryError;
using ::plaudit::sdk::StateRead;
using Record = std::vector<std::string>;

constexpr char kPluginName[] = "manual";
constexpr char kVersion[] = "1.0.0";
constexpr char kIndexKey[] = "tasks";
constexpr int kDefaultDueDays = 14;
constexpr int kMaxDueDays = 365;
constexpr size_t kMaxItemChars = 200;
constexpr size_t kShortKeyChars = 8;
constexpr int kMaxCommitAttempts = 32;

constexpr char kOpen[] = "open";
constexpr char kDone[] = "done";

struct Task {
  std::string key;
  std::string status;
  std::string award;
  std::string agent_id;
  std::string agent_name;
  std::string item;
  std::string role;
  std::string created;
  std::string due;
  std::string completed_by;
  std::string completed_at;
  std::string note;
};

std::string EncodeTask(const Task& t) {
  return EncodeRecord({t.status, t.award, t.agent_id, t.agent_name, t.item, t.role, t.created,
                       t.due, t.completed_by, t.completed_at, t.note});
}

std::optional<Task> DecodeTask(const std::string& key, const std::string& text) {
  Record r = DecodeRecord(text);
  if (r.size() != 11 || (r[0] != kOpen && r[0] != kDone)) return std::nullopt;
  return Task{key, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]};
}

std::string Recipient(const Task& task) {
  return task.agent_name.empty() ? task.agent_id : task.agent_name;
}

// `task: hand over "team lunch" to Zoë Lindqvist (facilities, due 2026-12-06)`
std::string DescribeTask(const Task& task) {
  return "task: hand over \"" + task.item + "\" to " + Recipient(task) + " (" + task.role +
         ", due " + task.due + ")";
}

std::string HandedOver(const Task& task) {
  std::string text = "handed over by " + task.completed_by;
  if (!task.note.empty()) text += ": " + task.note;
  return text;
}

bool IsRoleChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool IsRole(std::string_view role) {
  return !role.empty() && role.size() <= 64 && std::all_of(role.begin(), role.end(), IsRoleChar);
}

class ManualPlugin : public sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(kPluginName);
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version(kVersion);
    info->add_reward_types("manual");
    const auto& config = request.config();
    for (const auto& [key, value] : config) {
      if (key != "assignee_role" && key != "due_days" && key != "time_zone") {
        return "unknown config key \"" + key + "\" (known: assignee_role, due_days, time_zone)";
      }
    }
    default_role_.clear();
    if (auto it = config.find("assignee_role"); it != config.end()) {
      default_role_ = std::string(Trim(it->second));
      if (!IsRole(default_role_)) {
        return "config assignee_role must be a role name such as facilities; got \"" + it->second +
               "\"";
      }
    }
    due_days_ = kDefaultDueDays;
    if (auto it = config.find("due_days"); it != config.end()) {
      const auto days = ParseBoundedInt(it->second, 0, kMaxDueDays);
      if (!days)
        return "config due_days must be a whole number from 0 to 365; got \"" + it->second + "\"";
      due_days_ = static_cast<int>(*days);
    }
    zone_ = absl::UTCTimeZone();
    if (auto it = config.find("time_zone"); it != config.end()) {
      if (!absl::LoadTimeZone(std::string(Trim(it->second)), &zone_)) {
        return "config time_zone: unknown time zone \"" + it->second + "\"";
      }
    }
    return {};
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    if (key.empty()) return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "idempotency_key is empty");
    Task task;
    if (std::string error = ReadTask(request, &task); !error.empty()) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, error);
    }
    const std::string task_key = "task/" + key;
    // A conflict is the task appearing concurrently (answered next round) or the index moving.
    std::optional<pb::FulfilResponse> settled = sdk::RetryStateTransaction(
        host(), kMaxCommitAttempts,
        [&](sdk::StateTransaction& tx) -> std::optional<pb::FulfilResponse> {
          const StateRead current = tx.Read(task_key);
          if (!current.ok) {
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + current.error);
          }
          if (current.value) return Describe(key, *current.value);
          const StateRead index = tx.Read(kIndexKey);
          if (!index.ok)
            return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + index.error);
          tx.Put(task_key, EncodeTask(task));
          tx.Put(kIndexKey, index.value.value_or("") + EncodeRecord({key}) + "\n");
          std::string error;
          switch (tx.Commit(&error)) {
            case sdk::CommitResult::kCommitted: {
              host().Info("manual: opened " + DescribeTask(task) + " (key " + key + ")");
              const std::string text = DescribeTask(task);
              return Outcome(pb::FULFIL_OUTCOME_PENDING, text, text);
            }
            case sdk::CommitResult::kConflict:
              return std::nullopt;
            case sdk::CommitResult::kRefused:
              break;
          }
          return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store refused the task: " + error);
        });
    if (settled) return *settled;
    return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "manual task list kept changing; gave up after " +
                                                     std::to_string(kMaxCommitAttempts) +
                                                     " attempts");
  }

  pb::FulfilResponse Lookup(const pb::FulfilRequest& request) override {
    const std::string& key = request.idempotency_key();
    const StateRead current = host().ReadState("task/" + key);
    if (!current.ok) return Outcome(pb::FULFIL_OUTCOME_RETRYABLE, "state store: " + current.error);
    if (!current.value) return Outcome(pb::FULFIL_OUTCOME_NOT_FOUND, "no task under key " + key);
    return Describe(key, *current.value);
  }

  pb::QueryResponse Query(const pb::QueryRequest& request) override {
    if (request.method() == "tasks") return ListTasks(request);
    if (request.method() == "complete") return Complete(request);
    return QueryError(kNotFound,
                      "unknown query \"" + request.method() + "\" (known: tasks, complete)");
  }

 private:
  std::string Today() { return FormatDay(LocalDay(host().NowMicros(), zone_)); }

  // The task a Fulfil call opens; "" or a reason naming the param.
  std::string ReadTask(const pb::FulfilRequest& request, Task* task) {
    const auto& params = request.params();
    for (const auto& [key, value] : params) {
      if (key != "item" && key != "assignee_role" && key != "due_days") {
        return "unknown param \"" + key + "\" (known: item, assignee_role, due_days)";
      }
    }
    const auto item = params.find("item");
    if (item == params.end() || Trim(item->second).empty()) {
      return "param item is required: what is handed over, e.g. \"team lunch\"";
    }
    task->item = std::string(Trim(item->second));
    if (task->item.size() > kMaxItemChars) {
      return "param item is longer than " + std::to_string(kMaxItemChars) + " characters";
    }
    task->role = default_role_;
    if (auto it = params.find("assignee_role"); it != params.end()) {
      task->role = std::string(Trim(it->second));
      if (!IsRole(task->role)) {
        return "param assignee_role must be a role name such as facilities; got \"" + it->second +
               "\"";
      }
    }
    if (task->role.empty()) {
      return "param assignee_role is required (e.g. facilities, hr, team-lead): the plugin has no "
             "default assignee_role";
    }
    int due_days = due_days_;
    if (auto it = params.find("due_days"); it != params.end()) {
      const auto days = ParseBoundedInt(it->second, 0, kMaxDueDays);
      if (!days) {
        return "param due_days must be a whole number from 0 to 365; got \"" + it->second + "\"";
      }
      due_days = static_cast<int>(*days);
    }
    const absl::CivilDay today = LocalDay(host().NowMicros(), zone_);
    task->status = kOpen;
    task->award = request.award_id();
    task->agent_id = request.agent().id();
    task->agent_name = request.agent().display_name();
    task->created = FormatDay(today);
    task->due = FormatDay(today + due_days);
    return {};
  }

  // Where a stored task stands, as a fulfilment outcome.
  pb::FulfilResponse Describe(const std::string& key, const std::string& stored) {
    const std::optional<Task> task = DecodeTask(key, stored);
    if (!task) {
      return Outcome(pb::FULFIL_OUTCOME_PERMANENT, "stored task of key " + key + " is unreadable");
    }
    if (task->status == kDone) return Outcome(pb::FULFIL_OUTCOME_FULFILLED, {}, HandedOver(*task));
    std::string text = DescribeTask(*task) + " awaits completion";
    const std::string today = Today();
    if (today > task->due) text += "; overdue since " + task->due;
    return Outcome(pb::FULFIL_OUTCOME_PENDING, text, DescribeTask(*task));
  }

  // Every task in creation order; false with *error when the store failed.
  bool ReadAllTasks(std::vector<Task>* tasks, std::string* error) {
    const StateRead index = host().ReadState(kIndexKey);
    if (!index.ok) {
      *error = "state store: " + index.error;
      return false;
    }
    if (!index.value) return true;
    for (const Record& record : DecodeRecordList(*index.value)) {
      const StateRead stored = host().ReadState("task/" + record[0]);
      if (!stored.ok) {
        *error = "state store: " + stored.error;
        return false;
      }
      if (!stored.value) continue;
      if (auto task = DecodeTask(record[0], *stored.value)) tasks->push_back(std::move(*task));
    }
    return true;
  }

  // Whether the asker may see and complete a task for `role`: admins and managers any, a task
  // role its own. A host that names no roles has decided alone.
  static bool MayHandle(const pb::QueryRequest& request, const std::string& role) {
    if (request.actor_roles().empty()) return true;
    for (const std::string& held : request.actor_roles()) {
      if (held == "admin" || held == "manager" || held == role) return true;
    }
    return false;
  }

  pb::QueryResponse ListTasks(const pb::QueryRequest& request) {
    std::string status = kOpen;
    std::string role;
    for (const auto& [key, value] : request.args()) {
      if (key == "status") {
        status = std::string(Trim(value));
        if (status != "open" && status != "done" && status != "all") {
          return QueryError(kInvalidArgument,
                            "status must be open, done or all; got \"" + value + "\"");
        }
      } else if (key == "assignee_role") {
        role = std::string(Trim(value));
      } else {
        return QueryError(kInvalidArgument,
                          "unknown arg \"" + key + "\" (known: status, assignee_role)");
      }
    }
    std::vector<Task> tasks;
    std::string error;
    if (!ReadAllTasks(&tasks, &error)) return QueryError(0, error);
    const std::string today = Today();
    pb::QueryResponse response;
    for (const char* column : {"key", "award", "recipient", "item", "assignee_role", "due",
                               "status", "completed_by", "completed_at", "note"}) {
      response.add_columns(column);
    }
    for (const Task& task : tasks) {
      if (status != "all" && task.status != status) continue;
      if (!role.empty() && task.role != role) continue;
      if (!MayHandle(request, task.role)) continue;
      const std::string shown_status =
          task.status == kOpen && today > task.due ? "overdue" : task.status;
      auto* row = response.add_rows();
      for (const std::string& cell :
           {task.key.substr(0, kShortKeyChars), task.award,
            task.agent_name.empty() ? task.agent_id : task.agent_name + " (" + task.agent_id + ")",
            task.item, task.role, task.due, shown_status, task.completed_by, task.completed_at,
            task.note}) {
        row->add_cells(cell);
      }
    }
    return response;
  }

  // The full key named by `given`: itself when a task has it, else the one task whose key starts
  // with it (at least kShortKeyChars characters). Sets *code and *error otherwise.
  std::optional<std::string> ResolveKey(const std::string& given, int* code, std::string* error) {
    const StateRead direct = host().ReadState("task/" + given);
    if (!direct.ok) {
      *code = 0;
      *error = "state store: " + direct.error;
      return std::nullopt;
    }
    if (direct.value) return given;
    if (given.size() >= kShortKeyChars) {
      std::vector<std::string> matches;
      if (auto index = host().StateGet(kIndexKey)) {
        for (const Record& record : DecodeRecordList(*index)) {
          if (record[0].starts_with(given)) matches.push_back(record[0]);
        }
      }
      if (matches.size() == 1) return matches[0];
      if (matches.size() > 1) {
        *code = kInvalidArgument;
        *error = "key " + given + " matches " + std::to_string(matches.size()) +
                 " tasks; give more of it";
        return std::nullopt;
      }
    }
    *code = kNotFound;
    *error = "no task under key " + given;
    return std::nullopt;
  }

  pb::QueryResponse Complete(const pb::QueryRequest& request) {
    for (const auto& [key, value] : request.args()) {
      if (key != "idempotency_key" && key != "note") {
        return QueryError(kInvalidArgument,
                          "unknown arg \"" + key + "\" (known: idempotency_key, note)");
      }
    }
    if (request.actor().empty()) {
      return QueryError(kUnauthenticated,
                        "completing a task needs to know who handed the reward over "
                        "(plaudit --as USER)");
    }
    const auto given = request.args().find("idempotency_key");
    if (given == request.args().end() || Trim(given->second).empty()) {
      return QueryError(kInvalidArgument, "arg idempotency_key is required");
    }
    int code = 0;
    std::string error;
    const std::optional<std::string> key =
        ResolveKey(std::string(Trim(given->second)), &code, &error);
    if (!key) return QueryError(code, error);
    const auto note = request.args().find("note");
    const std::string task_key = "task/" + *key;
    std::optional<pb::QueryResponse> settled = sdk::RetryStateTransaction(
        host(), kMaxCommitAttempts,
        [&](sdk::StateTransaction& tx) -> std::optional<pb::QueryResponse> {
          const StateRead current = tx.Read(task_key);
          if (!current.ok) return QueryError(0, "state store: " + current.error);
          if (!current.value) return QueryError(kNotFound, "no task under key " + *key);
          std::optional<Task> task = DecodeTask(*key, *current.value);
          if (!task) return QueryError(0, "stored task of key " + *key + " is unreadable");
          if (!MayHandle(request, task->role)) {
            return QueryError(kPermissionDenied, "the task under key " + *key + " is for " +
                                                     task->role + ", not for " + request.actor());
          }
          if (task->status == kDone) {
            return QueryError(kFailedPrecondition,
                              "the task under key " + *key + " was already completed by " +
                                  task->completed_by + " at " + task->completed_at);
          }
          task->status = kDone;
          task->completed_by = request.actor();
          task->completed_at =
              absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixMicros(host().NowMicros()), zone_);
          task->note = note == request.args().end() ? "" : std::string(Trim(note->second));
          tx.Put(task_key, EncodeTask(*task));
          switch (tx.Commit(&error)) {
            case sdk::CommitResult::kCommitted: {
              host().Info("manual: " + request.actor() + " completed " + DescribeTask(*task) +
                          " (key " + *key + ")");
              pb::QueryResponse response;
              response.set_text("completed: " + HandedOver(*task));
              response.add_changed_keys(*key);
              return response;
            }
            case sdk::CommitResult::kConflict:
              return std::nullopt;
            case sdk::CommitResult::kRefused:
              break;
          }
          return QueryError(0, "state store refused: " + error);
        });
    if (settled) return *settled;
    return QueryError(0, "the task under key " + *key + " kept changing; try again");
  }

  std::string default_role_;
  int due_days_ = kDefaultDueDays;
  absl::TimeZone zone_ = absl::UTCTimeZone();
};

}  // namespace
}  // namespace plaudit::fulfilment

PLAUDIT_PLUGIN(plaudit::fulfilment::ManualPlugin)
