#include "core/api/server.h"

#include <fcntl.h>
#include <grpc/grpc.h>
#include <grpcpp/server_builder.h>
#include <netdb.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/api/issuer_tokens.h"
#include "core/api/private_data_dir.h"
#include "core/api/request_limits.h"
#include "core/api/server_credentials.h"
#include "core/api/unparsed_request.h"
#include "core/auth/token_validator.h"
#include "core/domain/log.h"
#include "core/domain/period.h"
#include "core/store/postgres/postgres_store.h"
#include "core/store/secrets_key_file.h"

namespace plaudit::api {
namespace {

// gRPC says only that it could not bind: binding the address again ourselves, the way gRPC does
// (SO_REUSEADDR, no SO_REUSEPORT), tells why, e.g. "address already in use". "" when it cannot
// tell (a unix: address, or the bind now succeeds).
std::string WhyCannotListen(const std::string& address) {
  if (address.rfind("unix:", 0) == 0) return "";
  std::string target = address.rfind("ipv4:", 0) == 0 || address.rfind("ipv6:", 0) == 0
                           ? address.substr(5)
                           : address;
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) return "expected HOST:PORT";
  std::string host = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int resolved =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
  if (resolved != 0) return gai_strerror(resolved);
  std::string reason;
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    reason = std::strerror(errno);
  } else {
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) reason = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return reason;
}

// Tokens already validated, until they expire: a client sends the same token on every call, and
// checking its signature each time would cost more than most calls do (BENCHMARKS.md). Only the
// exact token text is found; when full, the cache starts afresh.
class TokenCache {
 public:
  explicit TokenCache(absl::Duration clock_skew) : clock_skew_(clock_skew) {}

  std::optional<TokenIdentity> Find(std::string_view token, absl::Time now) {
    absl::MutexLock lock(&mu_);
    auto found = entries_.find(std::string(token));
    if (found == entries_.end()) return std::nullopt;
    // The validator's own rule: expired once now passes exp by more than the skew.
    if (now > found->second.expires + clock_skew_) {
      entries_.erase(found);
      return std::nullopt;
    }
    return found->second.identity;
  }

  void Keep(std::string_view token, const TokenIdentity& identity, absl::Time expires) {
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[std::string(token)] = Entry{identity, expires};
  }

 private:
  static constexpr size_t kMaxEntries = 10000;
  struct Entry {
    TokenIdentity identity;
    absl::Time expires;
  };
  const absl::Duration clock_skew_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// How the gate knows callers: tokens checked against the configured issuer's keys, services'
// client certificates, and the development mode's roles.
// The store's figures, read at each scrape: the fulfilment queue, budgets, and the store's use.
void AddStoreFigures(Store* store, Clock* clock, Telemetry* telemetry) {
  telemetry->AddCollector([store, clock] {
    std::vector<Telemetry::Family> families;
    auto figures = store->ReadFigures();
    if (!figures.ok()) {
      LogWarning("telemetry",
                 absl::StrCat("cannot read the store's figures: ", figures.status().message()));
      return families;
    }
    using Family = Telemetry::Family;
    Family queue{"plaudit_fulfilment_queue",
                 "Rewards not yet delivered: waiting for their award's approval, or pending "
                 "(due, in flight, or waiting on the vendor).",
                 false,
                 {"state"},
                 {{{"waiting"}, static_cast<double>(figures->waiting)},
                  {{"pending"}, static_cast<double>(figures->pending)}}};
    families.push_back(std::move(queue));
    const double oldest =
        figures->oldest_pending_decided_us.has_value()
            ? std::max(0.0, absl::ToDoubleSeconds(
                                clock->Now() -
                                absl::FromUnixMicros(*figures->oldest_pending_decided_us)))
            : 0.0;
    families.push_back(Family{"plaudit_fulfilment_oldest_pending_seconds",
                              "Age of the oldest pending reward, from its award's decision; 0 "
                              "when none is pending.",
                              false,
                              {},
                              {{{}, oldest}}});
    Family amount{"plaudit_budget_amount",
                  "Each program's budget for its latest budgeted period.",
                  false,
                  {"program", "period", "unit", "currency"},
                  {}};
    Family used{"plaudit_budget_used",
                "What awards hold of each program's latest budget: reserved (decided, not yet "
                "delivered) and settled (delivered).",
                false,
                {"program", "period", "unit", "currency", "state"},
                {}};
    for (const Store::Figures::Budget& b : figures->budgets) {
      amount.samples.push_back({{b.program_id, b.period, b.unit, b.currency}, b.amount});
      used.samples.push_back(
          {{b.program_id, b.period, b.unit, b.currency, "reserved"}, b.reserved});
      used.samples.push_back({{b.program_id, b.period, b.unit, b.currency, "settled"}, b.settled});
    }
    families.push_back(std::move(amount));
    families.push_back(std::move(used));
    families.push_back(Family{"plaudit_fulfilment_leases_held",
                              "Pending rewards this replica holds the fulfilment lease of "
                              "(PostgreSQL; 0 on the embedded store, which has no leases).",
                              false,
                              {},
                              {{{}, static_cast<double>(figures->leases_held)}}});
    families.push_back(Family{"plaudit_store_readers",
                              "The store's reader connections: in use, and open but idle.",
                              false,
                              {"state"},
                              {{{"in_use"}, static_cast<double>(figures->readers_in_use)},
                               {{"idle"}, static_cast<double>(figures->readers_idle)}}});
    families.push_back(Family{"plaudit_store_writes_total",
                              "Writes the store made durable.",
                              true,
                              {},
                              {{{}, static_cast<double>(figures->writes.writes)}}});
    families.push_back(Family{"plaudit_store_commits_total",
                              "Commits that made them durable (fewer when writes share one).",
                              true,
                              {},
                              {{{}, static_cast<double>(figures->writes.commits)}}});
    families.push_back(Family{"plaudit_store_write_queue",
                              "Writes waiting for the store now.",
                              false,
                              {},
                              {{{}, static_cast<double>(figures->writes.queued)}}});
    return families;
  });
}

absl::StatusOr<AccessGate::Options> MakeGateOptions(const ServerConfig& config, Clock* clock) {
  AccessGate::Options options;
  options.services = config.services;
  options.dev_roles = config.roles;
  if (!config.auth.has_value()) return options;
  const AuthConfig& auth = *config.auth;
  options.agent_match = auth.agent_match;
  auto keys = IssuerKeys(auth);
  if (!keys.ok()) return keys.status();
  auto validator = std::make_shared<auth::TokenValidator>(TokenSettingsOf(auth), *std::move(keys));
  auto cache = std::make_shared<TokenCache>(auth.clock_skew);
  options.verify_token = [validator, cache,
                          clock](std::string_view token) -> absl::StatusOr<TokenIdentity> {
    const absl::Time now = clock->Now();
    if (auto known = cache->Find(token, now); known.has_value()) return *known;
    auto claims = validator->Validate(token, now);
    if (!claims.ok()) return claims.status();
    TokenIdentity identity{claims->subject, claims->roles, claims->teams, claims->agent};
    cache->Keep(token, identity, claims->expires);
    return identity;
  };
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PlauditServer>> PlauditServer::Start(const ServerConfig& config,
                                                                    Clock* clock) {
  std::unique_ptr<PlauditServer> s(new PlauditServer());
  s->config_ = config;
  s->clock_ = clock;
  // Before anything is opened: a transport that may not or cannot be served stops the start.
  auto credentials = MakeServerCredentials(config);
  if (!credentials.ok()) return credentials.status();

  if (absl::Status made = MakePrivateDataDir(config.data_dir); !made.ok()) return made;
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: cannot create ", config.data_dir, ": ", ec.message()));
  }
  std::string data_dir = std::filesystem::absolute(config.data_dir).lexically_normal().string();
  // One plauditd per data directory: a second one would break exactly-once fulfilment.
  std::string lock_path = data_dir + "/plauditd.lock";
  s->lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (s->lock_fd_ < 0 || flock(s->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::UnavailableError(
        absl::StrCat("data_dir: ", data_dir, " is in use by another plauditd"));
  }

  if (absl::Status tightened = TightenIfPresent(lock_path); !tightened.ok()) return tightened;
  auto cipher = LoadOrCreateSecretsKey(config.secrets_key_file.empty() ? data_dir + "/secrets.key"
                                                                       : config.secrets_key_file);
  if (!cipher.ok()) return cipher.status();
  for (const char* suffix : {"-wal", "-shm"}) {
    if (absl::Status tightened = TightenIfPresent(data_dir + "/plaudit.db" + suffix);
        !tightened.ok()) {
      return tightened;
    }
  }
  if (config.store_driver == "postgres") {
    // Shared with the other replicas; the secrets key must be the same file's on every one.
    PostgresStore::Options options;
    options.dsn = config.store_dsn;
    options.pool_size = config.store_pool_size;
    options.lease_ms = config.store_lease_ms;
    auto store = PostgresStore::Open(options, *std::move(cipher));
    if (!store.ok()) {
      return absl::Status(store.status().code(), absl::StrCat("store: ", store.status().message()));
    }
    s->store_ = *std::move(store);
  } else {
    if (absl::Status made = MakePrivateFile(data_dir + "/plaudit.db"); !made.ok()) return made;
    auto store = Store::Open(data_dir + "/plaudit.db", *std::move(cipher));
    if (!store.ok()) return store.status();
    s->store_ = *std::move(store);
  }
  auto audit = AuditTrail::Open(
      s->store_.get(),
      config.audit_key_file.empty() ? data_dir + "/audit.key" : config.audit_key_file,
      config.audit_checkpoint_file.empty() ? data_dir + "/audit.checkpoint"
                                           : config.audit_checkpoint_file);
  if (!audit.ok()) return audit.status();
  s->audit_ = *std::move(audit);
  Telemetry* telemetry = &s->telemetry_;
  s->ingestor_ = std::make_unique<EventIngestor>(s->store_.get(), telemetry);
  PluginHost::Options plugin_options{data_dir, config.plugins, config.plugin_start_timeout};
  s->plugins_ =
      std::make_unique<PluginHost>(plugin_options, s->store_.get(), s->ingestor_.get(), clock);
  if (absl::Status loaded = s->plugins_->LoadDirectory(config.plugin_dir); !loaded.ok()) {
    return loaded;
  }
  if (absl::Status claimed = s->plugins_->CheckConfigBlocks(); !claimed.ok()) return claimed;
  PluginHost* host = s->plugins_.get();
  AwardDecider::Options decider_options;
  decider_options.telemetry = telemetry;
  s->decider_ = std::make_unique<AwardDecider>(
      s->store_.get(), clock, [host] { return host->RewardTypes(); }, decider_options);
  if (absl::Status kept = s->decider_->KeepAllRolledUp(); !kept.ok()) return kept;
  s->closer_ = std::make_unique<PeriodCloser>(s->store_.get(), s->decider_.get(), clock);
  FulfilmentEngine::Options engine_options;
  engine_options.pending_poll = config.reconcile_interval;
  engine_options.base_backoff = config.retry_base;
  engine_options.max_backoff = config.retry_max;
  engine_options.workers = config.fulfilment.workers;
  engine_options.plugin_concurrency = config.fulfilment.default_concurrency;
  engine_options.plugin_limits = config.fulfilment.concurrency;
  engine_options.telemetry = telemetry;
  // A limit for a plugin that is not there is a misspelling, not a limit to ignore.
  std::set<std::string> plugin_names;
  for (const PluginStatus& plugin : host->Plugins()) {
    plugin_names.insert(plugin.name);
    plugin_names.insert(std::filesystem::path(plugin.path).stem().string());
  }
  for (const auto& [plugin, calls] : config.fulfilment.concurrency) {
    if (!plugin_names.contains(plugin)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fulfilment.concurrency.", plugin, ": no plugin in ", config.plugin_dir, " is called ",
          plugin, " (there are: ", absl::StrJoin(plugin_names, ", "), ")"));
    }
  }
  for (const auto& [plugin, settings] : config.plugins) {
    auto limit = settings.find("max_concurrency");
    int calls = 0;
    if (limit == settings.end()) continue;
    if (!absl::SimpleAtoi(limit->second, &calls) || calls < 1) {
      return absl::InvalidArgumentError(absl::StrCat("plugins.", plugin,
                                                     ".max_concurrency: expected a number of "
                                                     "calls, 1 or more, got \"",
                                                     limit->second, "\""));
    }
    if (config.fulfilment.concurrency.contains(plugin)) {
      return absl::InvalidArgumentError(absl::StrCat("plugins.", plugin,
                                                     ".max_concurrency: fulfilment.concurrency.",
                                                     plugin, " sets it too; keep one"));
    }
    engine_options.plugin_limits[plugin] = calls;
  }
  s->engine_ = std::make_unique<FulfilmentEngine>(s->store_.get(), host, clock, engine_options);
  FulfilmentEngine* engine = s->engine_.get();

  auto gate_options = MakeGateOptions(config, clock);
  if (!gate_options.ok()) return gate_options.status();
  AuditTrail* trail = s->audit_.get();
  gate_options->audit = [trail](const AuditNote& note) {
    AuditEntry entry;
    entry.time = note.time;
    entry.subject = note.subject;
    entry.roles = note.roles;
    entry.method = note.method;
    entry.resource = note.resource;
    entry.outcome = note.outcome;
    entry.request_id = note.request_id;
    if (absl::Status appended = trail->Append(entry); !appended.ok()) {
      LogError("audit", absl::StrCat("cannot append the record of ", note.method, " by ",
                                     note.subject, ": ", appended.message()));
    }
  };
  gate_options->telemetry = telemetry;
  s->gate_ = std::make_unique<AccessGate>(*std::move(gate_options), s->store_.get(), clock);
  AddStoreFigures(s->store_.get(), clock, telemetry);
  AccessGate* gate = s->gate_.get();
  s->access_ = std::make_unique<AccessServiceImpl>(gate);
  s->agents_ = std::make_unique<AgentServiceImpl>(s->store_.get(), gate);
  s->metrics_ = std::make_unique<MetricServiceImpl>(s->store_.get(), s->ingestor_.get(), clock,
                                                    gate, config.stream_idle_timeout);
  s->programs_ = std::make_unique<ProgramServiceImpl>(s->store_.get(), s->decider_.get(),
                                                      s->closer_.get(), gate);
  s->awards_ = std::make_unique<AwardServiceImpl>(
      s->store_.get(), s->decider_.get(), clock, [engine] { engine->Wake(); }, gate);
  std::map<std::string, std::string> callback_secrets;
  for (const auto& [plugin, settings] : config.plugins) {
    auto secret = settings.find("callback_secret");
    if (secret != settings.end()) callback_secrets[plugin] = secret->second;
  }
  s->fulfilments_ = std::make_unique<FulfilmentServiceImpl>(s->store_.get(), host, engine, clock,
                                                            gate, std::move(callback_secrets));
  s->plugin_service_ = std::make_unique<PluginServiceImpl>(
      host, gate, s->store_.get(),
      [engine](const std::vector<std::string>& keys) { engine->CheckNow(keys); });
  auto praise_zone = LoadZone(config.praise_time_zone);
  if (!praise_zone.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("praise_time_zone: ", praise_zone.status().message()));
  }
  s->praise_ledger_ = std::make_unique<PraiseLedger>(
      s->store_.get(), clock, PraiseLedger::Options{config.praise_monthly_allowance, *praise_zone});
  s->praise_ = std::make_unique<PraiseServiceImpl>(s->praise_ledger_.get(), gate);
  s->corrections_ = std::make_unique<CorrectionServiceImpl>(s->store_.get(), clock, gate);
  s->audit_service_ = std::make_unique<AuditServiceImpl>(s->audit_.get(), gate);
  s->exports_ = std::make_unique<ExportServiceImpl>(s->store_.get(), s->audit_.get(), gate);
  s->reports_ = std::make_unique<ReportServiceImpl>(s->store_.get(), s->decider_.get(), gate);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which lets a second plauditd share a taken port and the
  // CLI reach either server at random: a port in use must stop the second one instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.listen, *credentials, &s->port_);
  // Larger requests are refused by gRPC before they are parsed (RESOURCE_EXHAUSTED naming both
  // sizes); imports stay under it by sending files in several messages.
  builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxRequestBytes));
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(UnparsedRequestInterceptorFactory());
  interceptors.push_back(gate->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(s->agents_.get());
  builder.RegisterService(s->metrics_.get());
  builder.RegisterService(s->programs_.get());
  builder.RegisterService(s->awards_.get());
  builder.RegisterService(s->fulfilments_.get());
  builder.RegisterService(s->plugin_service_.get());
  builder.RegisterService(s->praise_.get());
  builder.RegisterService(s->corrections_.get());
  builder.RegisterService(s->access_.get());
  builder.RegisterService(s->exports_.get());
  builder.RegisterService(s->reports_.get());
  // Reflection lists what is served: every service registered above, health checking, itself.
  std::vector<std::string> served = {
      v1::AgentService::service_full_name(),
      v1::MetricService::service_full_name(),
      v1::ProgramService::service_full_name(),
      v1::AwardService::service_full_name(),
      v1::FulfilmentService::service_full_name(),
      v1::PluginService::service_full_name(),
      v1::PraiseService::service_full_name(),
      v1::CorrectionService::service_full_name(),
      v1::AuditService::service_full_name(),
      v1::ExportService::service_full_name(),
      v1::ReportService::service_full_name(),
      v1::AccessService::service_full_name(),
      "grpc.health.v1.Health",
      ::grpc::reflection::v1alpha::ServerReflection::service_full_name()};
  s->reflection_ = std::make_unique<ReflectionServiceImpl>(gate, std::move(served));
  builder.RegisterService(s->reflection_.get());
  builder.RegisterService(s->audit_service_.get());
  // The streamed imports are on gRPC's callback API. A server with callback methods makes its
  // synchronous queues non-polling and leaves the sockets to the pollers of the callback queue:
  // in gRPC 1.51 two library threads that sleep 100 ms whenever a second passes without a
  // callback of their own. Every call to plauditd then waited up to 100 ms about once a second.
  // A queue of our own, which one thread always waits on, keeps a poller on the sockets; no
  // call is ever queued on it.
  s->poll_cq_ = builder.AddCompletionQueue();
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    const std::string reason = WhyCannotListen(config.listen);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen, reason.empty() ? "" : ": ", reason));
  }
  s->poll_thread_ = std::thread([cq = s->poll_cq_.get()] {
    void* tag;
    bool ok;
    while (cq->Next(&tag, &ok)) {
    }
  });
  s->engine_->Start();
  PlauditServer* self = s.get();
  s->poller_ = std::thread([self] { self->PollSources(); });
  if (gate->development_mode()) {
    LogWarning("server",
               "no auth configured: every caller is trusted and may claim any name with --as "
               "(local development mode, loopback only)");
  } else if (!config.tls.has_value()) {
    LogWarning("server", "TLS is off: tokens travel in clear (loopback only)");
  }
  LogInfo("server", absl::StrCat("serving on port ", s->port_,
                                 !config.tls.has_value()              ? ""
                                 : config.tls->client_ca_file.empty() ? " over TLS"
                                                                      : " over mutual TLS",
                                 ", data in ", data_dir));
  return s;
}

void PlauditServer::PollSources() {
  absl::Time next_close_check = absl::InfinitePast();
  while (true) {
    plugins_->PollMetricSources();
    if (clock_->Now() >= next_close_check) {
      if (closer_->RunOnce() > 0) engine_->Wake();
      next_close_check = clock_->Now() + config_.close_check_interval;
    }
    absl::MutexLock lock(&mu_);
    auto stop = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stop), config_.source_poll_interval)) return;
  }
}

std::shared_ptr<grpc::Channel> PlauditServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return server_->InProcessChannel(args);
}

bool PlauditServer::development_mode() const { return gate_->development_mode(); }

absl::Status PlauditServer::Ready() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || draining_) return absl::UnavailableError("plauditd is shutting down");
  }
  return store_->CheckReady();
}

void PlauditServer::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
}

void PlauditServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
  if (poll_cq_) {
    poll_cq_->Shutdown();
    if (poll_thread_.joinable()) {
      poll_thread_.join();
    } else {
      void* tag;
      bool ok;
      while (poll_cq_->Next(&tag, &ok)) {
      }
    }
  }
  if (poller_.joinable()) poller_.join();
  if (engine_) engine_->Stop();
  // A server that never started serving has nothing to announce: its refusal is the last word.
  if (server_) LogInfo("server", "stopped");
}

PlauditServer::~PlauditServer() {
  Shutdown();
  plugins_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

}  // namespace plaudit::api
