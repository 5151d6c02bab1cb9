// The words `plaudit` shows for API values: enum values in lower case without their prefix
// (CHANNEL_PHONE -> "phone"), rewards as "certificate; leave_credit(hours=8)". An _UNSPECIFIED
// value shows as "" (nothing was set); a value newer than this client as "unknown(7)".
#ifndef PLAUDIT_CLIENTS_PLAUDIT_DISPLAY_NAMES_H_
#define PLAUDIT_CLIENTS_PLAUDIT_DISPLAY_NAMES_H_

#include <string>

#include "plaudit/v1/awards.pb.h"
#include "plaudit/v1/common.pb.h"
#include "plaudit/v1/fulfilments.pb.h"
#include "plaudit/v1/plugins.pb.h"

namespace plaudit::cli {

std::string ChannelName(v1::Channel channel);
std::string DirectionName(v1::Direction direction);
std::string AwardStateName(v1::Award::State state);
std::string FulfilmentStateName(v1::Fulfilment::State state);

// "leave_credit(hours=8)"; parameters sorted by name so the text is stable.
std::string RewardText(const v1::Reward& reward);
// The rewards joined with "; ".
std::string RewardsText(const google::protobuf::RepeatedPtrField<v1::Reward>& rewards);

// An award's rewards, each once: the server lists a reward once per recipient, so a team award
// to its 4 members reads "certificate (each of 4 members)" rather than the certificate four
// times. Other repeats show their count: "certificate x2".
std::string AwardRewardsText(const v1::Award& award);

// "loaded", or "failed: <error>".
std::string PluginStatusText(const v1::PluginStatus& plugin);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_DISPLAY_NAMES_H_
