#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/api/services.h"
#include "core/api/status.h"
#include "core/api/timestamps.h"

namespace plaudit::api {

namespace {

constexpr char kVerifyMethod[] = "plugin:certificate/verify";
constexpr char kRevokeMethod[] = "plugin:certificate/revoke";

// The audit trail's name of a credential: "certificate/<id>" without the urn:uuid: prefix, so a
// revocation given either way is found.
std::string CredentialResource(const std::string& plugin, std::string id) {
  if (id.rfind("urn:uuid:", 0) == 0) id.erase(0, 9);
  return absl::StrCat(plugin, "/", id);
}

// The agent id an `agent` cell names: the id itself, or the id in "Name (id)"; "" for a cell
// about nobody ("", "(free)").
std::string AgentIdOfCell(const std::string& cell) {
  if (cell.empty() || cell.front() == '(') return "";
  if (cell.back() == ')') {
    const size_t open = cell.rfind(" (");
    if (open != std::string::npos) return cell.substr(open + 2, cell.size() - open - 3);
  }
  return cell;
}

}  // namespace

absl::Status PluginServiceImpl::ApplyAuditedRevocations(v1::QueryPluginResponse* response) const {
  // A revocation is an audited act: once the trail holds one, the credential stays revoked even
  // if the plugin's own record of it is deleted.
  int credential = -1, verdict = -1, status = -1;
  for (int i = 0; i < response->columns_size(); ++i) {
    if (response->columns(i) == "credential") credential = i;
    if (response->columns(i) == "verdict") verdict = i;
    if (response->columns(i) == "status") status = i;
  }
  if (credential < 0 || verdict < 0 || store_ == nullptr) return absl::OkStatus();
  for (auto& row : *response->mutable_rows()) {
    if (row.cells_size() <= std::max(credential, verdict) || row.cells(verdict) != "valid") {
      continue;
    }
    auto revoked = store_->AuditRecordExists(
        kRevokeMethod, CredentialResource("certificate", row.cells(credential)), "OK");
    if (!revoked.ok()) return revoked.status();
    if (!*revoked) continue;
    *row.mutable_cells(verdict) = "revoked";
    if (status >= 0 && status < row.cells_size()) {
      *row.mutable_cells(status) = "revoked (per the audit trail)";
    }
    response->set_text(response->text() +
                       "audit: the audit trail records this credential's revocation; verdict: "
                       "revoked\n");
  }
  return absl::OkStatus();
}

grpc::Status PluginServiceImpl::ListPlugins(grpc::ServerContext* context,
                                            const v1::ListPluginsRequest*,
                                            v1::ListPluginsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PluginService/ListPlugins");
  for (const PluginStatus& p : host_->Plugins()) {
    auto* out = response->add_plugins();
    out->set_name(p.name);
    out->set_kind(p.kind);
    out->set_version(p.version);
    for (const std::string& s : p.serves) out->add_serves(s);
    out->set_loaded(p.loaded);
    out->set_error(p.error);
    out->set_path(p.path);
  }
  return grpc::Status::OK;
}

grpc::Status PluginServiceImpl::QueryPlugin(grpc::ServerContext* context,
                                            const v1::QueryPluginRequest* request,
                                            v1::QueryPluginResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(any_caller, gate_, context, "plaudit.v1.PluginService/QueryPlugin");
  if (request->plugin().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("plugin: required"));
  }
  if (request->method().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("method: required"));
  }
  // Each query is admitted, and audited, as itself. One without a row is nobody's; but naming
  // a plugin that is not there deserves to hear so.
  const std::string method = PluginQueryMethod(request->plugin(), request->method());
  if (FindPolicy(method) == nullptr) {
    const std::vector<PluginStatus> plugins = host_->Plugins();
    const bool loaded = std::any_of(plugins.begin(), plugins.end(), [&](const PluginStatus& p) {
      return p.name == request->plugin() && p.loaded;
    });
    if (!loaded) {
      return ToGrpcStatus(absl::NotFoundError(
          absl::StrCat("plugin: no loaded plugin named \"", request->plugin(), "\"")));
    }
    return ToGrpcStatus(absl::PermissionDeniedError(
        absl::StrCat(request->plugin(), " has no query \"", request->method(),
                     "\" that the policy table lets anyone call")));
  }
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, method);
  plugin::v1::QueryRequest query;
  query.set_method(request->method());
  for (const auto& [key, value] : request->args()) (*query.mutable_args())[key] = value;
  // Within their own reach, agents act as the agent they are (a code is its recipient's).
  query.set_actor(caller.reach == Reach::kSelf ? caller.agent_id : caller.subject);
  for (const std::string& role : caller.roles) query.add_actor_roles(role);
  if (auto key = request->args().find("idempotency_key"); key != request->args().end()) {
    gate_->NoteResource(*context, absl::StrCat("rewards/", key->second));
  } else if (auto id = request->args().find("id"); id != request->args().end()) {
    gate_->NoteResource(*context, CredentialResource(request->plugin(), id->second));
  }
  auto answer = host_->Query(request->plugin(), query);
  if (!answer.ok()) return ToGrpcStatus(answer.status());
  if (!answer->error().empty()) {
    const int code = answer->code();
    const bool known = code > 0 && code <= 16;
    return ToGrpcStatus(absl::Status(
        known ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kInternal,
        absl::StrCat(request->plugin(), " ", request->method(), ": ", answer->error())));
  }
  for (const std::string& column : answer->columns()) response->add_columns(column);
  // Rows about an agent (an `agent` column) beyond the caller's reach are left out.
  int agent_column = -1;
  if (caller.reach != Reach::kAll) {
    for (int i = 0; i < answer->columns_size(); ++i) {
      if (answer->columns(i) == "agent") agent_column = i;
    }
  }
  for (const auto& row : answer->rows()) {
    if (agent_column >= 0 && agent_column < row.cells_size()) {
      const std::string agent = AgentIdOfCell(row.cells(agent_column));
      if (!agent.empty() && !gate_->Covers(caller, agent)) continue;
    }
    auto* out = response->add_rows();
    for (const std::string& cell : row.cells()) out->add_cells(cell);
  }
  response->set_text(answer->text());
  if (method == kVerifyMethod) {
    if (absl::Status checked = ApplyAuditedRevocations(response); !checked.ok()) {
      return ToGrpcStatus(checked);
    }
  }
  if (!answer->changed_keys().empty() && changed_) {
    changed_(
        std::vector<std::string>(answer->changed_keys().begin(), answer->changed_keys().end()));
  }
  return grpc::Status::OK;
}

grpc::Status PluginServiceImpl::ListSources(grpc::ServerContext* context,
                                            const v1::ListSourcesRequest*,
                                            v1::ListSourcesResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PluginService/ListSources");
  auto sources = store_->ListSourceStatus();
  if (!sources.ok()) return ToGrpcStatus(sources.status());
  for (const SourceStatusRecord& s : *sources) {
    v1::SourceStatus* out = response->add_sources();
    out->set_source(s.source);
    out->set_position(s.position);
    out->set_lag(s.lag);
    out->set_taken(s.taken);
    out->set_rejected(s.rejected);
    out->set_unmatched(s.unmatched);
    out->set_contacts(s.contacts);
    out->set_last_problem(s.last_problem);
    if (s.updated_us > 0) *out->mutable_updated_at() = ToTimestamp(s.updated_us);
  }
  return grpc::Status::OK;
}

// The page token of ListUnmatched: the last contact's source and id, web-safe base64.
grpc::Status PluginServiceImpl::ListUnmatched(grpc::ServerContext* context,
                                              const v1::ListUnmatchedRequest* request,
                                              v1::ListUnmatchedResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.PluginService/ListUnmatched");
  constexpr int kDefaultPage = 100;
  constexpr int kMaxPage = 1000;
  if (request->page_size() < 0 || request->page_size() > kMaxPage) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: ", request->page_size(), " is not 0..", kMaxPage));
  }
  const int limit = request->page_size() == 0 ? kDefaultPage : request->page_size();
  std::string after_source, after_contact;
  if (!request->page_token().empty()) {
    std::string token;
    const size_t split = absl::WebSafeBase64Unescape(request->page_token(), &token)
                             ? token.find('\x1f')
                             : std::string::npos;
    if (split == std::string::npos) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "page_token: not a token this call gave");
    }
    after_source = token.substr(0, split);
    after_contact = token.substr(split + 1);
  }
  auto contacts =
      store_->ListUnmatchedContacts(request->source(), after_source, after_contact, limit);
  if (!contacts.ok()) return ToGrpcStatus(contacts.status());
  for (const ContactRecord& contact : *contacts) {
    for (const ContactFactRecord& fact : contact.facts) {
      if (!fact.agent_id.empty()) continue;
      v1::UnmatchedFact* out = response->add_facts();
      out->set_source(contact.source);
      out->set_contact_id(contact.contact_id);
      out->set_participant(fact.participant);
      *out->mutable_occurred_at() = ToTimestamp(fact.occurred_us);
      out->set_channel(fact.channel);
      out->set_queue(fact.queue);
      *out->mutable_version() = ToTimestamp(contact.version_us);
      out->set_metrics(absl::StrJoin(fact.metrics, " ", [](std::string* text, const auto& m) {
        absl::StrAppend(text, m.first, "=", m.second);
      }));
    }
  }
  if (static_cast<int>(contacts->size()) == limit) {
    response->set_next_page_token(absl::WebSafeBase64Escape(
        absl::StrCat(contacts->back().source, "\x1f", contacts->back().contact_id)));
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api
