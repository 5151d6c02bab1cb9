// Who is calling, and whether they may: every RPC handler starts with AccessGate::Admit, which
// authenticates the caller (a bearer token, a service's client certificate, or, in the local
// development mode, the name the caller claims) and checks the policy table (access_policy.h).
// Handlers then keep each resource within the caller's reach with Covers.
//
// Audited methods: the gate's interceptor writes one audit entry per call, when its status is
// sent, with the caller Admit found, the resource the handler named and the outcome.
#ifndef PLAUDIT_CORE_API_ACCESS_GATE_H_
#define PLAUDIT_CORE_API_ACCESS_GATE_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_interceptor.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/api/access_policy.h"
#include "core/config/server_config.h"
#include "core/domain/clock.h"
#include "core/domain/telemetry.h"
#include "core/store/award_records.h"
#include "core/store/store.h"

namespace plaudit::api {

// The request metadata of the development mode's claimed name (plaudit --as USER).
inline constexpr char kActorMetadata[] = "x-plaudit-actor";

struct Caller {
  // Who: the token's subject, the service's name, or the development mode's claimed name.
  std::string subject;
  std::vector<std::string> roles;
  std::vector<std::string> teams;
  // The agent the caller is (the agent claim matched to an agent); empty when none.
  std::string agent_id;
  enum class Via { kDevelopment, kToken, kCertificate } via = Via::kDevelopment;
  // How far the caller reaches with the method Admit admitted them to.
  Reach reach = Reach::kNone;

  bool HasRole(std::string_view role) const;
  // The award actor: admin and manager roles map onto the award approver roles.
  Actor AsActor() const;
};
std::string_view ViaName(Caller::Via via);

// What a valid bearer token says.
struct TokenIdentity {
  std::string subject;
  std::vector<std::string> roles;
  std::vector<std::string> teams;
  // The agent claim's value (an agent id, or an email with agent_match: email).
  std::string agent;
};

// Checks a bearer token: UNAUTHENTICATED with a reason ("token expired", "wrong audience") when
// it is not valid.
using TokenVerifier = std::function<absl::StatusOr<TokenIdentity>(std::string_view token)>;

// One audited call, for the audit trail.
struct AuditNote {
  absl::Time time;
  std::string subject;
  std::vector<std::string> roles;
  std::string method;
  std::string resource;
  std::string outcome;
  std::string request_id;
};

class AccessGate {
 public:
  struct Options {
    // Tokens are checked with this; unset, with no services either, is the local development
    // mode: every caller is trusted, and may claim a name (x-plaudit-actor) whose role comes
    // from `dev_roles` (a name without one is that agent; no name is an admin).
    TokenVerifier verify_token;
    AuthConfig::AgentMatch agent_match = AuthConfig::AgentMatch::kId;
    std::map<std::string, ServiceIdentity> services;
    std::map<std::string, std::string> dev_roles;
    // Receives each audited call; none when unset.
    std::function<void(const AuditNote&)> audit;
    // Where every call but health checks is counted (plaudit_rpc_requests_total by method and
    // status code; plaudit_rpc_duration_seconds by method); none when null.
    Telemetry* telemetry = nullptr;
  };
  AccessGate(Options options, Store* store, Clock* clock);

  bool development_mode() const { return development_; }

  // Who calls: UNAUTHENTICATED with the reason when the request carries no valid credentials.
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase& context) const;

  // Authenticates and checks `method`'s row: UNAUTHENTICATED, or PERMISSION_DENIED naming the
  // method and the caller's roles. The caller comes back with its reach for the method.
  absl::StatusOr<Caller> Admit(const grpc::ServerContextBase& context, std::string_view method);
  // For a method the table marks open (vendor callbacks, which prove themselves otherwise):
  // names who the audit trail says called.
  void AdmitOpen(const grpc::ServerContextBase& context, std::string subject);

  // Names the resource an audited call acts on ("awards/42"); `audited` false leaves this call
  // out of the trail (a dry run of an audited method).
  void NoteResource(const grpc::ServerContextBase& context, std::string resource,
                    bool audited = true);

  // Whether `agent_id`'s resources are within the caller's reach.
  bool Covers(const Caller& caller, const std::string& agent_id) const;
  // The same for an agent whose record is at hand: no lookup of its team.
  bool CoversAgent(const Caller& caller, const Agent& agent) const;
  // Whether a team's resources (a team award) are: its members' are, or it is the caller's team.
  bool CoversTeam(const Caller& caller, const std::string& team) const;
  // Within reach when any of `agent_ids` is.
  bool CoversAny(const Caller& caller, const std::vector<std::string>& agent_ids) const;

  // Follows every call but health checks, to write audited ones to the audit trail.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory();

  // Called by the interceptor.
  void CallStarted(const grpc::ServerContextBase* context, std::string method);
  void CallEnded(const grpc::ServerContextBase* context, const grpc::Status& status);

 private:
  struct Note {
    // The gRPC method called, and when; `method` is what the call is audited as (a plugin query
    // is audited as its query).
    std::string rpc;
    absl::Time started;
    std::string method;
    std::optional<Caller> caller;
    std::string resource;
    std::string request_id;
    bool audited = false;
  };
  absl::StatusOr<Caller> FromToken(std::string_view token) const;
  std::optional<Caller> FromCertificate(const grpc::ServerContextBase& context) const;
  Caller FromDevelopment(const grpc::ServerContextBase& context) const;
  std::string TeamOf(const std::string& agent_id) const;

  Options options_;
  // Null without Options::telemetry.
  Telemetry::Counter* rpc_requests_ = nullptr;
  Telemetry::Histogram* rpc_seconds_ = nullptr;
  Store* store_;
  Clock* clock_;
  const bool development_;
  absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, Note> notes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace plaudit::api

// In a handler: admits the call to `method` as `caller` (a const Caller&), or returns the refusal
// as the call's status.
#define PLAUDIT_ADMIT_OR_RETURN(caller, gate, context, method)                  \
  auto caller##_admitted = (gate)->Admit(*(context), (method));                 \
  if (!caller##_admitted.ok()) return ToGrpcStatus(caller##_admitted.status()); \
  [[maybe_unused]] const ::plaudit::api::Caller& caller = *caller##_admitted

#endif  // PLAUDIT_CORE_API_ACCESS_GATE_H_
