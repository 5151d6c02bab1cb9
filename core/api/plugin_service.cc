#include "core/api/services.h"

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

}  // namespace plaudit::api
