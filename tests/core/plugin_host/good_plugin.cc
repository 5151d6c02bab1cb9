// A fulfilment plugin that exercises every host service: it counts fulfilments per idempotency
// key in the state store and echoes the request back in the artifact.
#include "plaudit/plugin_sdk.h"

namespace {

namespace pb = ::plaudit::plugin::v1;

class GoodPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name(request.config().count("name") ? request.config().at("name") : "good");
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version("0.1.0");
    info->add_reward_types("thanks");
    greeting_ = request.config().count("greeting") ? request.config().at("greeting") : "hello";
    return "";
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    pb::FulfilResponse response;
    if (request.params().count("throw")) throw std::runtime_error("asked to throw");
    std::string key = "seen/" + request.idempotency_key();
    std::string error;
    bool first = host().StateCommit({{key, "1"}}, {key}, &error);
    host().Info("fulfilled " + request.idempotency_key());
    response.set_outcome(pb::FULFIL_OUTCOME_FULFILLED);
    response.set_artifact(
        greeting_ + " " + request.agent().display_name() + " " + request.program_name() + " " +
        request.period() + (first ? " first" : " again") +
        " t=" + std::to_string(host().NowMicros()) +
        (request.agent().locale().empty() ? "" : " locale=" + request.agent().locale()));
    return response;
  }

 private:
  std::string greeting_;
};

}  // namespace

PLAUDIT_PLUGIN(GoodPlugin)
