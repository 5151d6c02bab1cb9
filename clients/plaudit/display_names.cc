#include "clients/plaudit/display_names.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace plaudit::cli {
namespace {

std::string Unknown(int value) { return "unknown(" + std::to_string(value) + ")"; }

// An enum value's proto name as shown to people: OVER_BUDGET -> over_budget.
std::string Lowercase(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

std::string ChannelName(v1::Channel channel) {
  switch (channel) {
    case v1::CHANNEL_UNSPECIFIED:
      return "";
    case v1::CHANNEL_PHONE:
      return "phone";
    case v1::CHANNEL_EMAIL:
      return "email";
    case v1::CHANNEL_CHAT:
      return "chat";
    case v1::CHANNEL_SOCIAL:
      return "social";
    default:
      return Unknown(channel);
  }
}

std::string DirectionName(v1::Direction direction) {
  switch (direction) {
    case v1::DIRECTION_UNSPECIFIED:
      return "";
    case v1::DIRECTION_HIGHER_IS_BETTER:
      return "higher_is_better";
    case v1::DIRECTION_LOWER_IS_BETTER:
      return "lower_is_better";
    default:
      return Unknown(direction);
  }
}

std::string AwardStateName(v1::Award::State state) {
  if (state == v1::Award::STATE_UNSPECIFIED) return "";
  if (!v1::Award::State_IsValid(state)) return Unknown(state);
  return Lowercase(v1::Award::State_Name(state));
}

std::string FulfilmentStateName(v1::Fulfilment::State state) {
  if (state == v1::Fulfilment::STATE_UNSPECIFIED) return "";
  if (!v1::Fulfilment::State_IsValid(state)) return Unknown(state);
  return Lowercase(v1::Fulfilment::State_Name(state));
}

std::string RewardText(const v1::Reward& reward) {
  if (reward.params().empty()) return reward.type();
  std::vector<std::pair<std::string, std::string>> params(reward.params().begin(),
                                                          reward.params().end());
  std::sort(params.begin(), params.end());
  std::string text = reward.type() + "(";
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) text += ", ";
    text += params[i].first + "=" + params[i].second;
  }
  return text + ")";
}

std::string RewardsText(const google::protobuf::RepeatedPtrField<v1::Reward>& rewards) {
  std::string text;
  for (const v1::Reward& reward : rewards) {
    if (!text.empty()) text += "; ";
    text += RewardText(reward);
  }
  return text;
}

std::string AwardRewardsText(const v1::Award& award) {
  std::vector<std::pair<std::string, int>> counted;  // in the order first seen
  for (const v1::Reward& reward : award.rewards()) {
    const std::string text = RewardText(reward);
    auto it = std::find_if(counted.begin(), counted.end(),
                           [&](const auto& entry) { return entry.first == text; });
    if (it == counted.end()) {
      counted.emplace_back(text, 1);
    } else {
      ++it->second;
    }
  }
  const bool team_award = award.agent_id().empty() && !award.team().empty();
  const int members = counted.empty() ? 0 : counted.front().second;
  const bool each_member = team_award && members > 1 &&
                           std::all_of(counted.begin(), counted.end(),
                                       [&](const auto& entry) { return entry.second == members; });
  std::string text;
  for (const auto& [reward, count] : counted) {
    if (!text.empty()) text += "; ";
    text += reward;
    if (!each_member && count > 1) text += " x" + std::to_string(count);
  }
  if (each_member) text += " (each of " + std::to_string(members) + " members)";
  return text;
}

std::string PluginStatusText(const v1::PluginStatus& plugin) {
  if (plugin.loaded()) return "loaded";
  return plugin.error().empty() ? "failed" : "failed: " + plugin.error();
}

}  // namespace plaudit::cli
