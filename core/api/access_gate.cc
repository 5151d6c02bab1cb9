#include "core/api/access_gate.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "core/domain/log.h"

namespace plaudit::api {
namespace {

constexpr absl::string_view kHealthPrefix = "/grpc.health.";

bool Contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

std::string Metadata(const grpc::ServerContextBase& context, std::string_view key) {
  auto [begin, end] =
      context.client_metadata().equal_range(grpc::string_ref(key.data(), key.size()));
  if (begin == end) return "";
  return std::string(begin->second.data(), begin->second.size());
}

// The subject of a PEM certificate in RFC 2253 form ("CN=hris-sync,O=Example"); "" when it
// does not parse.
std::string CertificateSubject(const std::string& pem) {
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (in == nullptr) return "";
  X509* cert = PEM_read_bio_X509(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  if (cert == nullptr) return "";
  BIO* out = BIO_new(BIO_s_mem());
  std::string subject;
  if (out != nullptr &&
      X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    if (size > 0) subject.assign(data, static_cast<size_t>(size));
  }
  BIO_free(out);
  X509_free(cert);
  return subject;
}

// The method name of a server call as the policy table writes it: "/pkg.Service/Method" without
// the leading slash.
std::string MethodName(const char* path) {
  std::string_view name(path == nullptr ? "" : path);
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(name);
}

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class GateInterceptor final : public grpc::experimental::Interceptor {
 public:
  GateInterceptor(AccessGate* gate, ServerRpcInfo* info) : gate_(gate), info_(info) {}
  ~GateInterceptor() override {
    if (started_) gate_->CallEnded(info_->server_context(), grpc::Status::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      const absl::string_view path(info_->method() == nullptr ? "" : info_->method());
      if (!absl::StartsWith(path, kHealthPrefix)) {
        gate_->CallStarted(info_->server_context(), MethodName(info_->method()));
        started_ = true;
      }
    }
    if (started_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      gate_->CallEnded(info_->server_context(), methods->GetSendStatus());
      started_ = false;
    }
    methods->Proceed();
  }

 private:
  AccessGate* const gate_;
  ServerRpcInfo* const info_;
  bool started_ = false;
};

class GateInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GateInterceptorFactory(AccessGate* gate) : gate_(gate) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    return new GateInterceptor(gate_, info);
  }

 private:
  AccessGate* const gate_;
};

}  // namespace

bool Caller::HasRole(std::string_view role) const { return Contains(roles, role); }

Actor Caller::AsActor() const {
  Actor actor;
  actor.name = subject;
  actor.agent_id = agent_id;
  actor.role = HasRole(kAdminRole)     ? Role::kAdmin
               : HasRole(kManagerRole) ? Role::kManager
                                       : Role::kNone;
  return actor;
}

std::string_view ViaName(Caller::Via via) {
  switch (via) {
    case Caller::Via::kDevelopment:
      return "development mode (claimed, not proven)";
    case Caller::Via::kToken:
      return "bearer token";
    case Caller::Via::kCertificate:
      return "client certificate";
  }
  return "";
}

AccessGate::AccessGate(Options options, Store* store, Clock* clock)
    : options_(std::move(options)),
      store_(store),
      clock_(clock),
      development_(!options_.verify_token && options_.services.empty()) {
  if (options_.telemetry != nullptr) {
    rpc_requests_ = options_.telemetry->AddCounter(
        "plaudit_rpc_requests_total",
        "gRPC calls answered (the web pages' API calls included), by method and status code.",
        {"method", "code"});
    rpc_seconds_ = options_.telemetry->AddHistogram(
        "plaudit_rpc_duration_seconds", "Time from a call's arrival to its status, by method.",
        {"method"}, Telemetry::LatencyBounds());
  }
}

Caller AccessGate::FromDevelopment(const grpc::ServerContextBase& context) const {
  Caller caller;
  caller.via = Caller::Via::kDevelopment;
  caller.subject = Metadata(context, kActorMetadata);
  if (caller.subject.empty()) {
    // Nobody named: the operator at the machine, who may do anything an admin may.
    caller.subject = "local";
    caller.roles = {std::string(kAdminRole), std::string(kManagerRole), std::string(kServiceRole)};
    return caller;
  }
  auto role = options_.dev_roles.find(caller.subject);
  if (role != options_.dev_roles.end()) {
    caller.roles = {role->second};
    // An admin also manages: admins approve what managers may.
    if (role->second == kAdminRole) caller.roles.push_back(std::string(kManagerRole));
  } else {
    caller.roles = {std::string(kAgentRole)};
    caller.agent_id = caller.subject;
  }
  return caller;
}

absl::StatusOr<Caller> AccessGate::FromToken(std::string_view token) const {
  auto identity = options_.verify_token(token);
  if (!identity.ok()) return identity.status();
  Caller caller;
  caller.via = Caller::Via::kToken;
  caller.subject = identity->subject;
  caller.roles = identity->roles;
  caller.teams = identity->teams;
  if (!identity->agent.empty()) {
    if (options_.agent_match == AuthConfig::AgentMatch::kId) {
      auto agent = store_->GetAgent(identity->agent);
      if (agent.ok() && agent->has_value()) caller.agent_id = (*agent)->id;
    } else {
      auto agent = store_->FindAgentIdByEmail(identity->agent);
      if (agent.ok() && agent->has_value()) caller.agent_id = **agent;
    }
  }
  return caller;
}

std::optional<Caller> AccessGate::FromCertificate(const grpc::ServerContextBase& context) const {
  if (options_.services.empty()) return std::nullopt;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return std::nullopt;
  for (const grpc::string_ref& pem : auth->FindPropertyValues("x509_pem_cert")) {
    const std::string subject = CertificateSubject(std::string(pem.data(), pem.size()));
    if (subject.empty()) continue;
    for (const auto& [name, service] : options_.services) {
      if (service.subject == subject) {
        Caller caller;
        caller.via = Caller::Via::kCertificate;
        caller.subject = name;
        caller.roles = {std::string(kServiceRole)};
        return caller;
      }
    }
  }
  return std::nullopt;
}

absl::StatusOr<Caller> AccessGate::Authenticate(const grpc::ServerContextBase& context) const {
  if (development_) return FromDevelopment(context);
  const std::string authorization = Metadata(context, "authorization");
  if (!authorization.empty()) {
    constexpr absl::string_view kBearer = "bearer ";
    if (!options_.verify_token || !absl::StartsWithIgnoreCase(authorization, kBearer)) {
      return absl::UnauthenticatedError(
          "authorization: expected \"Bearer <token>\" (an OpenID Connect access token)");
    }
    absl::string_view token(authorization);
    token.remove_prefix(kBearer.size());
    token = absl::StripAsciiWhitespace(token);
    return FromToken(std::string_view(token.data(), token.size()));
  }
  if (auto service = FromCertificate(context); service.has_value()) return *service;
  return absl::UnauthenticatedError(
      "no credentials: send \"authorization: Bearer <token>\" (plaudit --token-file, "
      "PLAUDIT_TOKEN) or a service's client certificate");
}

absl::StatusOr<Caller> AccessGate::Admit(const grpc::ServerContextBase& context,
                                         std::string_view method) {
  const PolicyRow* row = FindPolicy(method);
  absl::StatusOr<Caller> caller = Authenticate(context);
  if (caller.ok()) caller->reach = row == nullptr ? Reach::kNone : ReachOf(*row, caller->roles);
  {
    absl::MutexLock lock(&mu_);
    auto note = notes_.find(&context);
    if (note != notes_.end()) {
      // A plugin query is audited, and named, as the query it is.
      if (note->second.method != method) {
        note->second.method = std::string(method);
        note->second.audited = row != nullptr && row->audited;
      }
      if (caller.ok()) note->second.caller = *caller;
    }
  }
  if (caller.ok()) SetLogSubject(caller->subject);
  if (caller.ok() && caller->reach == Reach::kNone) {
    return absl::PermissionDeniedError(absl::StrCat(
        caller->subject,
        " (roles: ", caller->roles.empty() ? "none" : absl::StrJoin(caller->roles, ", "),
        ") may not call ", std::string(method)));
  }
  return caller;
}

void AccessGate::AdmitOpen(const grpc::ServerContextBase& context, std::string subject) {
  Caller caller;
  caller.subject = std::move(subject);
  absl::MutexLock lock(&mu_);
  auto note = notes_.find(&context);
  if (note != notes_.end()) note->second.caller = std::move(caller);
}

void AccessGate::NoteResource(const grpc::ServerContextBase& context, std::string resource,
                              bool audited) {
  absl::MutexLock lock(&mu_);
  auto note = notes_.find(&context);
  if (note == notes_.end()) return;
  note->second.resource = std::move(resource);
  note->second.audited = note->second.audited && audited;
}

std::string AccessGate::TeamOf(const std::string& agent_id) const {
  auto agent = store_->GetAgent(agent_id);
  if (!agent.ok() || !agent->has_value()) return "";
  return (*agent)->team;
}

bool AccessGate::Covers(const Caller& caller, const std::string& agent_id) const {
  switch (caller.reach) {
    case Reach::kAll:
      return true;
    case Reach::kTeam:
      if (caller.teams.empty()) return true;
      return !agent_id.empty() && Contains(caller.teams, TeamOf(agent_id));
    case Reach::kSelf:
      return !caller.agent_id.empty() && caller.agent_id == agent_id;
    case Reach::kNone:
      return false;
  }
  return false;
}

bool AccessGate::CoversTeam(const Caller& caller, const std::string& team) const {
  switch (caller.reach) {
    case Reach::kAll:
      return true;
    case Reach::kTeam:
      return caller.teams.empty() || Contains(caller.teams, team);
    case Reach::kSelf:
      return !caller.agent_id.empty() && !team.empty() && TeamOf(caller.agent_id) == team;
    case Reach::kNone:
      return false;
  }
  return false;
}

bool AccessGate::CoversAny(const Caller& caller, const std::vector<std::string>& agent_ids) const {
  return std::any_of(agent_ids.begin(), agent_ids.end(),
                     [&](const std::string& id) { return Covers(caller, id); });
}

bool AccessGate::CoversAgent(const Caller& caller, const Agent& agent) const {
  if (caller.reach == Reach::kTeam) {
    return caller.teams.empty() || Contains(caller.teams, agent.team);
  }
  return Covers(caller, agent.id);
}

void AccessGate::CallStarted(const grpc::ServerContextBase* context, std::string method) {
  const PolicyRow* row = FindPolicy(method);
  Note note;
  note.audited = row != nullptr && row->audited;
  note.rpc = method;
  note.started = absl::Now();
  note.method = std::move(method);
  note.request_id = Metadata(*context, "x-request-id");
  // This thread serves the call: its log lines name the caller's request id.
  SetLogRequest(note.request_id);
  absl::MutexLock lock(&mu_);
  notes_[context] = std::move(note);
}

void AccessGate::CallEnded(const grpc::ServerContextBase* context, const grpc::Status& status) {
  Note note;
  {
    absl::MutexLock lock(&mu_);
    auto found = notes_.find(context);
    if (found == notes_.end()) return;
    note = std::move(found->second);
    notes_.erase(found);
  }
  // Refusals are worth a line: a misconfigured client, or someone trying what they may not.
  const grpc::StatusCode code = status.error_code();
  if (code == grpc::StatusCode::UNAUTHENTICATED || code == grpc::StatusCode::PERMISSION_DENIED) {
    LogWarning("access", absl::StrCat(note.rpc, " refused: ", status.error_message()));
  }
  ClearLogRequest();
  if (rpc_requests_ != nullptr) {
    rpc_requests_->Add(
        {note.rpc, absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))});
    rpc_seconds_->Observe({note.rpc}, absl::ToDoubleSeconds(absl::Now() - note.started));
  }
  if (!note.audited || !options_.audit) return;
  AuditNote entry;
  entry.time = clock_->Now();
  entry.method = note.method;
  entry.resource = note.resource;
  if (note.caller.has_value()) {
    entry.subject = note.caller->subject;
    entry.roles = note.caller->roles;
  } else {
    // Refused before anyone was known: whoever it was is still worth a line.
    entry.subject = "(unauthenticated)";
  }
  entry.outcome = status.ok() ? "OK"
                              : absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(
                                                 status.error_code())),
                                             ": ", status.error_message());
  entry.request_id = note.request_id;
  options_.audit(entry);
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
AccessGate::InterceptorFactory() {
  return std::make_unique<GateInterceptorFactory>(this);
}

}  // namespace plaudit::api
