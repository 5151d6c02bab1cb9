#include "absl/strings/str_cat.h"
#include "core/api/pagination.h"
#include "core/api/request_limits.h"
#include "core/api/services.h"
#include "core/api/status.h"

namespace plaudit::api {
namespace {

v1::Channel ToProto(Channel c) {
  switch (c) {
    case Channel::kPhone:
      return v1::CHANNEL_PHONE;
    case Channel::kEmail:
      return v1::CHANNEL_EMAIL;
    case Channel::kChat:
      return v1::CHANNEL_CHAT;
    case Channel::kSocial:
      return v1::CHANNEL_SOCIAL;
  }
  return v1::CHANNEL_UNSPECIFIED;
}

void ToProto(const Agent& a, v1::Agent* out) {
  out->set_id(a.id);
  out->set_display_name(a.display_name);
  out->set_email(a.email);
  out->set_team(a.team);
  out->set_channel(ToProto(a.channel));
  out->set_hire_date(absl::FormatCivilTime(a.hire_date));
  out->set_active(a.active);
  out->set_no_public_praise(!a.public_praise);
  out->set_locale(a.locale);
}

}  // namespace

grpc::Status AgentServiceImpl::ImportAgents(grpc::ServerContext* context,
                                            const v1::ImportAgentsRequest* request,
                                            v1::ImportAgentsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AgentService/ImportAgents");
  gate_->NoteResource(*context, absl::StrCat("agents (", request->rows_size(), " rows)"));
  if (request->rows_size() > kMaxAgentRowsPerRequest) {
    return ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
        "rows: the request has ", request->rows_size(), " rows; the limit is ",
        kMaxAgentRowsPerRequest,
        " per request: import agents in chunks (plaudit agents import sends them so)")));
  }
  std::vector<std::string> header(request->header().begin(), request->header().end());
  std::vector<CsvLine> rows;
  rows.reserve(request->rows_size());
  for (const auto& row : request->rows()) {
    rows.push_back(CsvLine{row.line(), {row.fields().begin(), row.fields().end()}});
  }
  auto summary = plaudit::ImportAgents(store_, header, rows);
  if (!summary.ok()) return ToGrpcStatus(summary.status());
  response->set_imported(summary->imported);
  response->set_rejected(summary->rejected);
  for (const RowError& e : summary->errors) {
    auto* err = response->add_errors();
    err->set_line(e.line);
    err->set_reason(e.reason);
  }
  return grpc::Status::OK;
}

grpc::Status AgentServiceImpl::ListAgents(grpc::ServerContext* context,
                                          const v1::ListAgentsRequest* request,
                                          v1::ListAgentsResponse* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AgentService/ListAgents");
  auto agents = store_->ListAgents();
  if (!agents.ok()) return ToGrpcStatus(agents.status());
  auto page = Paginate(request->page_size(), request->page_token(), agents->size());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (size_t i = page->begin; i < page->end; ++i) {
    const Agent& agent = (*agents)[i];
    v1::Agent* out = response->add_agents();
    if (gate_->CoversAgent(caller, agent)) {
      ToProto(agent, out);
    } else {
      // The directory every leaderboard needs: who is who, and nothing more (no email).
      out->set_id(agent.id);
      out->set_display_name(agent.display_name);
      out->set_team(agent.team);
    }
  }
  response->set_next_page_token(page->next_token);
  return grpc::Status::OK;
}

grpc::Status AgentServiceImpl::GetAgent(grpc::ServerContext* context,
                                        const v1::GetAgentRequest* request, v1::Agent* response) {
  PLAUDIT_ADMIT_OR_RETURN(caller, gate_, context, "plaudit.v1.AgentService/GetAgent");
  if (request->id().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("id: required"));
  }
  auto agent = store_->GetAgent(request->id());
  if (!agent.ok()) return ToGrpcStatus(agent.status());
  if (!agent->has_value() || !gate_->Covers(caller, request->id())) {
    return ToGrpcStatus(
        absl::NotFoundError(absl::StrCat("agent \"", request->id(), "\" not found")));
  }
  ToProto(**agent, response);
  return grpc::Status::OK;
}

}  // namespace plaudit::api
