// A fulfilment plugin for the crash test: it applies its effect (a state row per idempotency key,
// written only if absent) and then takes `delay_ms` before answering, so a kill -9 can land
// after the effect and before plauditd records the outcome.
#include <chrono>
#include <thread>

#include "plaudit/plugin_sdk.h"

namespace {

namespace pb = ::plaudit::plugin::v1;

class SlowPlugin : public plaudit::sdk::Plugin {
 public:
  std::string Init(const pb::InitRequest& request, pb::PluginInfo* info) override {
    info->set_name("slow");
    info->set_kind(pb::PLUGIN_KIND_FULFILMENT);
    info->set_version("0.1.0");
    info->add_reward_types("slow_thanks");
    auto delay = request.config().find("delay_ms");
    delay_ms_ = delay == request.config().end() ? 500 : std::stoi(delay->second);
    return "";
  }

  pb::FulfilResponse Fulfil(const pb::FulfilRequest& request) override {
    std::string key = "effect/" + request.idempotency_key();
    std::string error;
    if (!host().StateCommit({{key, request.award_id()}}, {key}, &error)) {
      // Either the effect happened on an earlier attempt, or the store failed.
      plaudit::sdk::StateRead earlier = host().ReadState(key);
      if (!earlier.ok || !earlier.value) {
        return plaudit::sdk::Outcome(pb::FULFIL_OUTCOME_RETRYABLE, error + earlier.error);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    return plaudit::sdk::Outcome(pb::FULFIL_OUTCOME_FULFILLED, "");
  }

 private:
  int delay_ms_ = 500;
};

}  // namespace

PLAUDIT_PLUGIN(SlowPlugin)
