#include "absl/strings/str_cat.h"
#include "core/api/actor.h"
#include "core/api/services.h"
#include "core/api/status.h"

namespace plaudit::api {

grpc::Status PluginServiceImpl::ListPlugins(grpc::ServerContext*, const v1::ListPluginsRequest*,
                                            v1::ListPluginsResponse* response) {
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
  if (request->plugin().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("plugin: required"));
  }
  if (request->method().empty()) {
    return ToGrpcStatus(absl::InvalidArgumentError("method: required"));
  }
  plugin::v1::QueryRequest query;
  query.set_method(request->method());
  for (const auto& [key, value] : request->args()) (*query.mutable_args())[key] = value;
  query.set_actor(ActorName(*context));
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
  for (const auto& row : answer->rows()) {
    auto* out = response->add_rows();
    for (const std::string& cell : row.cells()) out->add_cells(cell);
  }
  response->set_text(answer->text());
  if (!answer->changed_keys().empty() && changed_) {
    changed_(
        std::vector<std::string>(answer->changed_keys().begin(), answer->changed_keys().end()));
  }
  return grpc::Status::OK;
}

}  // namespace plaudit::api
