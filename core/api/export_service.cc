#include "core/api/export_service.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <deque>
#include <future>
#include <memory>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "core/api/award_protos.h"
#include "core/api/event_streams.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"
#include "core/domain/period.h"

namespace plaudit::api {
namespace {

constexpr int kDefaultBatch = 1000;
constexpr int kMaxBatch = 10000;

// The filter fields a dataset reads; any other one set is refused rather than ignored.
enum FilterField : unsigned {
  kProgram = 1,
  kPeriod = 2,
  kTimeRange = 4,
  kTeam = 8,
  kAgent = 16,
};

struct Dataset {
  const char* name;
  const char* method;
  unsigned fields;
  // The period narrows the time range (events, praise) rather than naming a decision.
  bool period_is_time = false;
  // Needs program_id and period (one decision's standings).
  bool needs_decision = false;
};

constexpr Dataset kEvents{"events", "plaudit.v1.ExportService/ExportEvents",
                          kProgram | kPeriod | kTimeRange | kTeam | kAgent, true};
constexpr Dataset kAgents{"agents", "plaudit.v1.ExportService/ExportAgents", kTeam | kAgent};
constexpr Dataset kStandings{"standings", "plaudit.v1.ExportService/ExportStandings",
                             kProgram | kPeriod | kTeam | kAgent, false, true};
constexpr Dataset kAwards{"awards", "plaudit.v1.ExportService/ExportAwards",
                          kProgram | kPeriod | kTimeRange | kTeam | kAgent};
constexpr Dataset kFulfilments{"fulfilments", "plaudit.v1.ExportService/ExportFulfilments",
                               kProgram | kPeriod | kTimeRange | kTeam | kAgent};
constexpr Dataset kLedger{"budget-ledger", "plaudit.v1.ExportService/ExportBudgetLedger",
                          kProgram | kPeriod | kTimeRange | kTeam | kAgent};
constexpr Dataset kPraise{"praise", "plaudit.v1.ExportService/ExportPraise",
                          kProgram | kPeriod | kTimeRange | kTeam | kAgent, true};
constexpr Dataset kAudit{"audit", "plaudit.v1.ExportService/ExportAudit", kTimeRange | kAgent};

// What one export call reads: the scope (the filter within the caller's reach), where it starts
// and how many rows a batch holds.
struct Plan {
  const Dataset* dataset = nullptr;
  ExportScope scope;
  ExportKey after;
  int batch = kDefaultBatch;
  // Ties a cursor to its dataset and filter.
  std::string fingerprint;
};

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

std::string Fingerprint(const Dataset& dataset, const v1::ExportFilter& filter) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  {
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    filter.SerializeToCodedStream(&coded);
  }
  const std::string text = absl::StrCat(dataset.name, "\x1f", bytes);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), std::min(length, 8u)));
}

std::string ShortestText(double value) {
  char buffer[32];
  const std::to_chars_result end = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end.ptr);
}

std::string EncodeCursor(const Plan& plan, const ExportKey& key) {
  const std::string text =
      absl::StrJoin({std::string("v1"), std::string(plan.dataset->name), plan.fingerprint,
                     absl::StrCat(key.number), key.text, key.program_id, key.period, key.metric,
                     ShortestText(key.value), absl::StrCat(key.row)},
                    "\x1f");
  std::string cursor;
  absl::WebSafeBase64Escape(text, &cursor);
  return cursor;
}

absl::StatusOr<ExportKey> DecodeCursor(const Plan& plan, const std::string& cursor) {
  ExportKey key;
  if (cursor.empty()) return key;
  std::string text;
  const absl::Status malformed = absl::InvalidArgumentError(
      absl::StrCat("cursor: \"", cursor.substr(0, 40), "\" is not a cursor of an export"));
  if (!absl::WebSafeBase64Unescape(cursor, &text)) return malformed;
  std::vector<std::string> parts = absl::StrSplit(text, '\x1f');
  if (parts.size() != 10 || parts[0] != "v1" || !absl::SimpleAtoi(parts[3], &key.number) ||
      !absl::SimpleAtod(parts[8], &key.value) || !absl::SimpleAtoi(parts[9], &key.row)) {
    return malformed;
  }
  if (parts[1] != plan.dataset->name) {
    return absl::InvalidArgumentError(
        absl::StrCat("cursor: from an export of ", parts[1], ", not of ", plan.dataset->name));
  }
  if (parts[2] != plan.fingerprint) {
    return absl::InvalidArgumentError(
        "cursor: from an export with another filter; resume with the filter it was made with");
  }
  key.started = true;
  key.text = parts[4];
  key.program_id = parts[5];
  key.period = parts[6];
  key.metric = parts[7];
  return key;
}

// Refuses a filter field the dataset does not read.
absl::Status CheckFields(const Dataset& dataset, const v1::ExportFilter& filter) {
  const struct {
    bool set;
    FilterField field;
    const char* name;
  } given[] = {
      {!filter.program_id().empty(), kProgram, "program_id"},
      {!filter.period().empty(), kPeriod, "period"},
      {filter.has_from(), kTimeRange, "from"},
      {filter.has_to(), kTimeRange, "to"},
      {!filter.team().empty(), kTeam, "team"},
      {!filter.agent_id().empty(), kAgent, "agent_id"},
  };
  for (const auto& g : given) {
    if (g.set && (dataset.fields & g.field) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(g.name, ": the ", dataset.name, " export is not narrowed by ", g.name));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Plan> MakePlan(const Dataset& dataset, const Caller& caller,
                              const v1::ExportRequest& request, Store* store) {
  Plan plan;
  plan.dataset = &dataset;
  const v1::ExportFilter& filter = request.filter();
  if (absl::Status fields = CheckFields(dataset, filter); !fields.ok()) return fields;
  if (request.batch_size() < 0 || request.batch_size() > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_size: ", request.batch_size(), " is not between 1 and ", kMaxBatch));
  }
  if (request.batch_size() > 0) plan.batch = request.batch_size();
  ExportScope& scope = plan.scope;
  if (filter.has_from()) scope.from_us = Micros(filter.from());
  if (filter.has_to()) scope.to_us = Micros(filter.to());
  if (scope.from_us >= scope.to_us) {
    return absl::InvalidArgumentError("to: must be after from");
  }
  if (dataset.needs_decision && (filter.program_id().empty() || filter.period().empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat(filter.program_id().empty() ? "program_id" : "period",
                     ": required: the standings export is one period's decision"));
  }
  if (!filter.period().empty() && filter.program_id().empty()) {
    return absl::InvalidArgumentError("period: needs program_id (a period is a program's)");
  }
  if (!filter.program_id().empty()) {
    auto program = store->GetProgram(filter.program_id());
    if (!program.ok()) return program.status();
    if (!program->has_value()) {
      return absl::NotFoundError(
          absl::StrCat("program_id: program \"", filter.program_id(), "\" not found"));
    }
    if (dataset.period_is_time && filter.period().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("period: required with program_id: the ",
                                                     dataset.name,
                                                     " export is narrowed by a program's period"));
    }
    if (!filter.period().empty()) {
      const std::optional<Cadence> cadence = CadenceFromName((*program)->cadence);
      auto zone = LoadZone((*program)->time_zone);
      if (!cadence.has_value() || !zone.ok()) {
        return absl::InternalError(absl::StrCat("program \"", filter.program_id(),
                                                "\" has an unreadable cadence or zone"));
      }
      auto window = ParsePeriod(*cadence, filter.period(), *zone);
      if (!window.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("period: ", window.status().message()));
      }
      if (dataset.period_is_time) {
        scope.from_us = std::max(scope.from_us, absl::ToUnixMicros(window->start));
        scope.to_us = std::min(scope.to_us, absl::ToUnixMicros(window->end));
      } else {
        scope.period = window->label;
      }
    }
    if (!dataset.period_is_time) scope.program_id = filter.program_id();
  }
  scope.agent_id = filter.agent_id();
  if (!filter.team().empty()) scope.teams = std::vector<std::string>{filter.team()};
  switch (caller.reach) {
    case Reach::kNone:
      return absl::PermissionDeniedError(
          absl::StrCat(caller.subject, " may not export ", dataset.name));
    case Reach::kSelf:
      if (caller.agent_id.empty()) {
        return absl::PermissionDeniedError(absl::StrCat(
            caller.subject, " is not an agent: this role exports only an agent's own data"));
      }
      if (!filter.agent_id().empty() && filter.agent_id() != caller.agent_id) {
        return absl::PermissionDeniedError(absl::StrCat(
            "agent_id: ", caller.subject, " may export only their own data, not agent \"",
            filter.agent_id(), "\"'s"));
      }
      scope.agent_id = caller.agent_id;
      break;
    case Reach::kTeam:
      if (!caller.teams.empty()) {
        if (filter.team().empty()) {
          scope.teams = caller.teams;
        } else if (std::find(caller.teams.begin(), caller.teams.end(), filter.team()) ==
                   caller.teams.end()) {
          return absl::PermissionDeniedError(
              absl::StrCat("team: ", caller.subject, " may export only their teams (",
                           absl::StrJoin(caller.teams, ", "), "), not \"", filter.team(), "\""));
        }
      }
      break;
    case Reach::kAll:
      break;
  }
  plan.fingerprint = Fingerprint(dataset, filter);
  auto after = DecodeCursor(plan, request.cursor());
  if (!after.ok()) return after.status();
  plan.after = *after;
  return plan;
}

// "exports/events program=p1 period=2026-10 team=t agent=a": what the audit trail says was read.
std::string ResourceOf(const Dataset& dataset, const v1::ExportFilter& filter) {
  std::string resource = absl::StrCat("exports/", dataset.name);
  const std::pair<const char*, std::string> parts[] = {
      {"program", filter.program_id()},
      {"period", filter.period()},
      {"team", filter.team()},
      {"agent", filter.agent_id()},
  };
  for (const auto& [name, value] : parts) {
    if (!value.empty()) absl::StrAppend(&resource, " ", name, "=", value);
  }
  return resource;
}

// A batch ends early once its rows pass this many bytes, under gRPC's default 4 MiB message limit
// whatever the rows hold (an award's history, a reward's attempts).
constexpr size_t kMaxBatchBytes = 2 << 20;

// Streams the dataset: reads a page after the last key, sends it as a batch with the cursor after
// its last row, until a page comes back short. The next page is read on another thread while one
// is sent, so that reading the store, the slowest step, never waits for the network. The batch's
// rows are reused from one page to the next. (Events, the largest export, have their own way:
// ExportEvents.)
template <typename Batch, typename ReadPage, typename Fill, typename KeyOf>
grpc::Status StreamPages(grpc::ServerContext* context, const Plan& plan,
                         grpc::ServerWriter<Batch>* writer, ReadPage read, Fill fill,
                         KeyOf key_of) {
  const auto read_after = [&](ExportKey after) { return read(plan.scope, after, plan.batch); };
  auto next = std::async(std::launch::async, read_after, plan.after);
  Batch batch;
  for (;;) {
    auto rows = next.get();
    if (!rows.ok()) return ToGrpcStatus(rows.status());
    if (rows->empty()) return grpc::Status::OK;
    bool last = static_cast<int>(rows->size()) < plan.batch;
    batch.Clear();
    size_t taken = 0;
    size_t bytes = 0;
    for (const auto& row : *rows) {
      auto* out = batch.add_rows();
      fill(row, out);
      ++taken;
      // The row and its field tag and length.
      bytes += out->ByteSizeLong() + 4;
      if (bytes > kMaxBatchBytes && taken > 1) {
        batch.mutable_rows()->RemoveLast();
        --taken;
        last = false;
        break;
      }
    }
    ExportKey key = key_of((*rows)[taken - 1]);
    key.started = true;
    if (!last) next = std::async(std::launch::async, read_after, key);
    batch.set_cursor(EncodeCursor(plan, key));
    if (context->IsCancelled() || !writer->Write(batch)) {
      // `next`, if reading, is waited for as it goes.
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
    }
    if (last) return grpc::Status::OK;
  }
}

// Admits the call, notes what it reads for the audit trail, and makes its plan.
absl::StatusOr<Plan> Begin(AccessGate* gate, Store* store, grpc::ServerContext* context,
                           const Dataset& dataset, const v1::ExportRequest& request) {
  auto caller = gate->Admit(*context, dataset.method);
  if (!caller.ok()) return caller.status();
  gate->NoteResource(*context, ResourceOf(dataset, request.filter()));
  return MakePlan(dataset, *caller, request, store);
}

// A page of events read into a batch in columns (exports.proto), straight from the store's read.
struct EventPage {
  v1::ExportEventsBatch batch;
  int rows = 0;
  // More rows may follow in its window: the page is full, or stopped at kMaxBatchBytes.
  bool more = false;
  // The key of its last row.
  ExportKey last;
};

absl::Status ReadEventPage(Store* store, int limit, const ExportScope& scope, ExportKey after,
                           EventPage* page) {
  v1::ExportEventsBatch& batch = page->batch;
  batch.Clear();
  // Each metric's place in the batch's list. A page holds few: a look along the list is cheaper
  // than hashing. (The names are the batch's own strings, which stay where they are as the list
  // grows.)
  absl::InlinedVector<std::string_view, 8> metrics;
  const auto metric_index = [&batch, &metrics](std::string_view metric) {
    for (size_t i = 0; i < metrics.size(); ++i) {
      if (metrics[i] == metric) return static_cast<uint32_t>(i);
    }
    std::string* name = batch.add_metrics();
    name->assign(metric.data(), metric.size());
    metrics.push_back(*name);
    return static_cast<uint32_t>(metrics.size() - 1);
  };
  // Where the last row's agent id starts in the agent_ids column, and the last row's time.
  size_t last_agent_at = 0;
  int64_t last_at = 0;
  // The bytes of the rows' text, and a generous bound on the rest of each row.
  size_t bytes = 0;
  page->more = false;
  std::string& event_ids = *batch.mutable_event_ids();
  std::string& agent_ids = *batch.mutable_agent_ids();
  auto rows = store->ExportEvents(scope, after, limit, [&](const EventView& e) {
    bytes += e.event_id.size() + e.agent_id.size() + e.metric.size() + 40;
    event_ids.append(e.event_id.data(), e.event_id.size());
    batch.add_event_id_lengths(static_cast<uint32_t>(e.event_id.size()));
    last_agent_at = agent_ids.size();
    agent_ids.append(e.agent_id.data(), e.agent_id.size());
    batch.add_agent_id_lengths(static_cast<uint32_t>(e.agent_id.size()));
    batch.add_metric_index(metric_index(e.metric));
    batch.add_values(e.value);
    // The first row's time, then each row's step from the one before (exports.proto).
    batch.add_occurred_at_steps_us(e.occurred_at_us - last_at);
    last_at = e.occurred_at_us;
    if (bytes > kMaxBatchBytes) page->more = true;
    return !page->more;
  });
  if (!rows.ok()) return rows.status();
  page->rows = rows->rows;
  page->more = page->more || page->rows == limit;
  if (page->rows > 0) {
    const int end = page->rows - 1;
    page->last = ExportKey();
    page->last.started = true;
    page->last.number = last_at;
    page->last.text = agent_ids.substr(last_agent_at);
    page->last.metric = batch.metrics(static_cast<int>(batch.metric_index(end)));
    page->last.value = batch.values(end);
    page->last.row = rows->last_row;
  }
  return absl::OkStatus();
}

// Windows read ahead of the one being sent: enough that the cores have a window to read while the
// head of the line is slow, or read and waiting to be sent.
constexpr size_t kWindowsAhead = 4;

// Windows of time a window's width never exceeds, and a first width to learn the rate from.
constexpr int64_t kMaxWindowUs = int64_t{366} * 24 * 3600 * 1000000;
constexpr int64_t kFirstWindowUs = int64_t{60} * 1000000;

// The width of the next window after one of `width` held `rows` (all of it): about
// three-quarters of a batch at the rate seen, growing at most eightfold (an empty one too).
int64_t NextWindowWidth(int64_t width, int rows, int batch) {
  const int64_t grown = std::min(width * 8, kMaxWindowUs);
  if (rows == 0) return grown;
  const double fitted = static_cast<double>(width) * (0.75 * batch) / rows;
  return std::clamp(static_cast<int64_t>(fitted), int64_t{1}, grown);
}

}  // namespace

std::string DecimalAmount(double amount, const std::string& currency) {
  if (currency.empty()) return ShortestText(amount);
  // ISO 4217 minor units: most currencies have 2; these have none or 3.
  static const std::set<std::string, std::less<>> kNoMinor = {
      "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
      "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  static const std::set<std::string, std::less<>> kThreeMinor = {"BHD", "IQD", "JOD", "KWD",
                                                                 "LYD", "OMR", "TND"};
  const int digits = kNoMinor.contains(currency) ? 0 : kThreeMinor.contains(currency) ? 3 : 2;
  return absl::StrFormat("%.*f", digits, amount);
}

// Reading the store is the slowest step of an events export, so it is read on several threads at
// once: the time range is cut into windows, each read a page at a time on a reader connection of
// its own, kWindowsAhead windows in flight, while the pages are sent in order (a window's every
// page, then the next window's). A window's width follows the rate of the events read so far, to
// hold about a page.
grpc::Status ExportServiceImpl::ExportEvents(grpc::ServerContext* context,
                                             const v1::ExportRequest* request,
                                             grpc::ServerWriter<v1::ExportEventsBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kEvents, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  const int64_t start =
      plan->after.started ? std::max(plan->scope.from_us, plan->after.number) : plan->scope.from_us;
  auto span = store_->EventTimeSpan(start, plan->scope.to_us);
  if (!span.ok()) return ToGrpcStatus(span.status());
  if (!span->has_value()) return grpc::Status::OK;
  const int64_t end = (*span)->second + 1;

  // At most kWindowsAhead windows in flight (one of them maybe the rest of one that filled a
  // page) and one page being sent. The windows are read on threads kept for the whole export (a
  // thread per page would be made and unmade over a thousand times in an export of millions).
  // The pages outlive the reads into them: `readers` is destroyed first, finishing the reads
  // posted (at most kWindowsAhead).
  std::array<EventPage, kWindowsAhead + 2> pages;
  ChunkWorkers readers(static_cast<int>(kWindowsAhead));
  std::vector<EventPage*> free_pages;
  for (EventPage& page : pages) free_pages.push_back(&page);
  struct Window {
    int64_t from_us;
    int64_t to_us;
    bool first_page;
    EventPage* page;
    std::future<absl::Status> read;
  };
  std::deque<Window> tasks;
  const auto launch = [&](int64_t from_us, int64_t to_us, const ExportKey& after) {
    EventPage* page = free_pages.back();
    free_pages.pop_back();
    ExportScope scope = plan->scope;
    scope.from_us = from_us;
    scope.to_us = to_us;
    auto read = std::make_shared<std::packaged_task<absl::Status()>>(
        [store = store_, limit = plan->batch, scope = std::move(scope), after, page] {
          return ReadEventPage(store, limit, scope, after, page);
        });
    std::future<absl::Status> done = read->get_future();
    readers.Post([read] { (*read)(); });
    return Window{from_us, to_us, !after.started || from_us > after.number, page, std::move(done)};
  };
  int64_t next_from = (*span)->first;
  int64_t width = kFirstWindowUs;
  bool resumed = false;
  const auto refill = [&] {
    while (tasks.size() < kWindowsAhead && next_from < end) {
      const int64_t to = width >= end - next_from ? end : next_from + width;
      // Only the first window starts after the cursor; the others start at their time.
      tasks.push_back(launch(next_from, to, resumed ? ExportKey() : plan->after));
      resumed = true;
      next_from = to;
    }
  };
  for (refill(); !tasks.empty();) {
    Window window = std::move(tasks.front());
    tasks.pop_front();
    const absl::Status read = window.read.get();
    if (!read.ok()) return ToGrpcStatus(read);
    EventPage* page = window.page;
    if (page->more) {
      // The rest of this window comes next, before the windows behind it.
      tasks.push_front(launch(window.from_us, window.to_us, page->last));
      width = std::max<int64_t>(width / 2, 1);
    } else if (window.first_page) {
      width = NextWindowWidth(window.to_us - window.from_us, page->rows, plan->batch);
    }
    // The windows behind are launched before this page is written, so that they are read while
    // the write waits on the client.
    refill();
    if (page->rows > 0) {
      page->batch.set_cursor(EncodeCursor(*plan, page->last));
      if (context->IsCancelled() || !writer->Write(page->batch)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
      }
    }
    free_pages.push_back(page);
  }
  return grpc::Status::OK;
}

grpc::Status ExportServiceImpl::ExportAgents(grpc::ServerContext* context,
                                             const v1::ExportRequest* request,
                                             grpc::ServerWriter<v1::ExportAgentsBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kAgents, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportAgents(scope, after, limit);
      },
      [](const Agent& a, v1::ExportedAgent* out) {
        out->set_agent_id(a.id);
        out->set_display_name(a.display_name);
        out->set_email(a.email);
        out->set_team(a.team);
        out->set_channel(std::string(ChannelName(a.channel)));
        out->set_hire_date(absl::FormatCivilTime(a.hire_date));
        out->set_active(a.active);
        out->set_locale(a.locale);
        out->set_public_praise(a.public_praise);
      },
      [](const Agent& a) {
        ExportKey key;
        key.text = a.id;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportStandings(
    grpc::ServerContext* context, const v1::ExportRequest* request,
    grpc::ServerWriter<v1::ExportStandingsBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kStandings, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  auto decision = store_->GetDecision(plan->scope.program_id, plan->scope.period,
                                      /*with_standings=*/false);
  if (!decision.ok()) return ToGrpcStatus(decision.status());
  if (!decision->has_value()) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("period: program \"", plan->scope.program_id,
                                         "\" has no decision for ", plan->scope.period)));
  }
  const int64_t version = (*decision)->program_version;
  const google::protobuf::Timestamp decided_at = ToTimestamp((*decision)->decided_us);
  const std::string program_id = plan->scope.program_id;
  const std::string period = plan->scope.period;
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportStandings(scope, after, limit);
      },
      [&](const PositionedStanding& p, v1::ExportedStanding* out) {
        const Standing& s = p.standing;
        out->set_program_id(program_id);
        out->set_period(period);
        out->set_position(p.position);
        out->set_competitor(CompetitorId(s));
        out->set_peer_group(s.peer_group);
        out->set_eligible(s.eligible);
        out->set_rank(s.rank);
        out->set_score(s.score);
        for (const std::string& reason : s.reasons) out->add_reasons(reason);
        for (const MetricStanding& m : s.metrics) {
          v1::ExportedStandingMetric* metric = out->add_metrics();
          metric->set_metric(m.metric);
          metric->set_value(m.value);
          metric->set_samples(m.samples);
          metric->set_normalized(m.normalized);
        }
        for (const std::string& member : s.members) out->add_members(member);
        out->set_program_version(version);
        *out->mutable_decided_at() = decided_at;
      },
      [](const PositionedStanding& p) {
        ExportKey key;
        key.number = p.position;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportAwards(grpc::ServerContext* context,
                                             const v1::ExportRequest* request,
                                             grpc::ServerWriter<v1::ExportAwardsBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kAwards, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportAwards(scope, after, limit);
      },
      [](const ExportedAwardRow& row, v1::ExportedAward* out) {
        const AwardRecord& a = row.award;
        out->set_award_id(a.id);
        out->set_program_id(a.program_id);
        out->set_period(a.period);
        out->set_agent_id(a.agent_id);
        out->set_team(row.team);
        out->set_rank(a.rank);
        out->set_tier(a.tier);
        out->set_state(std::string(AwardStateName(a.state)));
        out->set_state_reason(a.state_reason);
        out->set_value(DecimalAmount(a.value, row.currency));
        out->set_unit(row.unit);
        out->set_currency(row.currency);
        out->set_program_version(a.program_version);
        *out->mutable_decided_at() = ToTimestamp(a.decided_us);
        for (const std::string& approver : a.approvals) out->add_approvals(approver);
        for (const AwardTransition& t : row.transitions) ToProto(t, out->add_transitions());
      },
      [](const ExportedAwardRow& row) {
        ExportKey key;
        key.program_id = row.award.program_id;
        key.period = row.award.period;
        key.number = row.award.rank;
        key.text = row.award.id;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportFulfilments(
    grpc::ServerContext* context, const v1::ExportRequest* request,
    grpc::ServerWriter<v1::ExportFulfilmentsBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kFulfilments, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportFulfilments(scope, after, limit);
      },
      [](const ExportedFulfilmentRow& row, v1::ExportedFulfilment* out) {
        const FulfilmentRecord& f = row.fulfilment;
        out->set_fulfilment_id(f.id);
        out->set_award_id(f.award_id);
        out->set_program_id(row.program_id);
        out->set_period(row.period);
        out->set_agent_id(f.agent_id);
        out->set_type(f.type);
        out->set_state(std::string(FulfilmentStateName(f.state)));
        out->set_attempts(f.attempts);
        out->set_error(f.error);
        for (const auto& [name, value] : f.params) (*out->mutable_params())[name] = value;
        out->set_idempotency_key(f.idempotency_key);
        *out->mutable_decided_at() = ToTimestamp(row.decided_us);
        *out->mutable_updated_at() = ToTimestamp(f.updated_us);
        for (const FulfilmentAttempt& a : row.attempts) ToProto(a, out->add_attempt_history());
        if (f.value.has_value()) out->set_value(DecimalAmount(*f.value, row.currency));
        out->set_unit(row.unit);
        out->set_currency(row.currency);
        out->set_face_value(ShortestText(f.face_value));
        if (f.redeemed_us != 0) *out->mutable_redeemed_at() = ToTimestamp(f.redeemed_us);
      },
      [](const ExportedFulfilmentRow& row) {
        ExportKey key;
        key.program_id = row.program_id;
        key.period = row.period;
        key.text = row.fulfilment.award_id;
        key.number = row.seq;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportBudgetLedger(
    grpc::ServerContext* context, const v1::ExportRequest* request,
    grpc::ServerWriter<v1::ExportBudgetLedgerBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kLedger, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportLedger(scope, after, limit);
      },
      [](const ExportedLedgerRow& row, v1::ExportedLedgerEntry* out) {
        out->set_program_id(row.program_id);
        out->set_period(row.period);
        out->set_award_id(row.award_id);
        out->set_agent_id(row.agent_id);
        out->set_team(row.team);
        out->set_amount(DecimalAmount(row.amount, row.currency));
        out->set_unit(row.unit);
        out->set_currency(row.currency);
        out->set_state(row.state);
        out->set_budget(DecimalAmount(row.budget, row.currency));
        out->set_budget_mode(row.budget_mode);
      },
      [](const ExportedLedgerRow& row) {
        ExportKey key;
        key.program_id = row.program_id;
        key.period = row.period;
        key.text = row.award_id;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportPraise(grpc::ServerContext* context,
                                             const v1::ExportRequest* request,
                                             grpc::ServerWriter<v1::ExportPraiseBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kPraise, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        return store_->ExportPraise(scope, after, limit);
      },
      [](const PraiseRecord& p, v1::ExportedPraise* out) {
        out->set_praise_id(p.id);
        out->set_from_agent_id(p.from_agent_id);
        out->set_to_agent_id(p.to_agent_id);
        out->set_message(p.message);
        out->set_value(p.value);
        *out->mutable_sent_at() = ToTimestamp(p.sent_us);
      },
      [](const PraiseRecord& p) {
        ExportKey key;
        key.number = p.sent_us;
        key.text = p.id;
        return key;
      });
}

grpc::Status ExportServiceImpl::ExportAudit(grpc::ServerContext* context,
                                            const v1::ExportRequest* request,
                                            grpc::ServerWriter<v1::ExportAuditBatch>* writer) {
  auto plan = Begin(gate_, store_, context, kAudit, *request);
  if (!plan.ok()) return ToGrpcStatus(plan.status());
  return StreamPages(
      context, *plan, writer,
      [&](const ExportScope& scope, const ExportKey& after, int limit) {
        AuditFilter filter;
        filter.subject = scope.agent_id;
        if (scope.from_us != std::numeric_limits<int64_t>::min()) {
          filter.since = absl::FromUnixMicros(scope.from_us);
        }
        if (scope.to_us != std::numeric_limits<int64_t>::max()) {
          filter.until = absl::FromUnixMicros(scope.to_us);
        }
        filter.after_seq = after.number;
        filter.limit = limit;
        return trail_->List(filter);
      },
      [](const AuditRecord& r, v1::AuditRecord* out) { ToProto(r, out); },
      [](const AuditRecord& r) {
        ExportKey key;
        key.number = r.seq;
        return key;
      });
}

}  // namespace plaudit::api
