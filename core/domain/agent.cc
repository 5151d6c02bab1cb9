#include "core/domain/agent.h"

namespace plaudit {

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kPhone:
      return "phone";
    case Channel::kEmail:
      return "email";
    case Channel::kChat:
      return "chat";
    case Channel::kSocial:
      return "social";
  }
  return "phone";
}

std::optional<Channel> ParseChannel(std::string_view name) {
  for (Channel c : {Channel::kPhone, Channel::kEmail, Channel::kChat, Channel::kSocial}) {
    if (ChannelName(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace plaudit
