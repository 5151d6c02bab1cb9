// An agent of the contact centre, as imported from the agents CSV.
#ifndef PLAUDIT_CORE_DOMAIN_AGENT_H_
#define PLAUDIT_CORE_DOMAIN_AGENT_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"

namespace plaudit {

enum class Channel { kPhone, kEmail, kChat, kSocial };

// "phone", "email", "chat", "social".
std::string_view ChannelName(Channel channel);
std::optional<Channel> ParseChannel(std::string_view name);

struct Agent {
  std::string id;
  std::string display_name;
  std::string email;
  std::string team;
  Channel channel = Channel::kPhone;
  absl::CivilDay hire_date;
  bool active = true;
  // False when the agent opted out of public praise: announcements leave them out.
  bool public_praise = true;
  // The language the agent reads Plaudit in, a language tag (sv, pt-BR); empty when not set.
  std::string locale;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_AGENT_H_
