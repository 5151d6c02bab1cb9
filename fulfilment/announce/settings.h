// The announce plugin's settings, read from its section of the server configuration.
//
//   webhook_url       the chat channel's incoming-webhook URL (http:// or https://), or
//   webhook_url_file  a file holding it (relative paths are below the data dir), or
//   webhook_url_env   the environment variable holding it (default PLAUDIT_ANNOUNCE_WEBHOOK_URL)
//   timeout_ms        limit of one post, connecting included (default 10000)
//   template          the announcement, with placeholders {agent} {program} {period} {team}
//                     (default ":trophy: {agent} won {program} for {period}!")
//   ca_file           PEM bundle to verify the chat service's certificate with (default: system)
//
// The webhook URL is a credential (whoever holds it may post to the channel): it never appears
// in an error or a log line, only where it was looked for.
#ifndef PLAUDIT_FULFILMENT_ANNOUNCE_SETTINGS_H_
#define PLAUDIT_FULFILMENT_ANNOUNCE_SETTINGS_H_

#include <cstdint>
#include <map>
#include <string>

namespace plaudit::fulfilment::announce {

inline constexpr char kDefaultWebhookUrlEnv[] = "PLAUDIT_ANNOUNCE_WEBHOOK_URL";
inline constexpr char kDefaultTemplate[] = ":trophy: {agent} won {program} for {period}!";

struct Settings {
  std::string webhook_url;
  int64_t timeout_ms = 10000;
  std::string message_template = kDefaultTemplate;
  std::string ca_file;
};

// Fills *settings from `config`; returns "" or why the configuration is refused.
std::string ReadSettings(const std::map<std::string, std::string>& config,
                         const std::string& data_dir, Settings* settings);

// "" when every {placeholder} in `text` is one of {agent} {program} {period} {team}; otherwise
// what is wrong.
std::string CheckTemplate(const std::string& text);

struct AnnouncedAward {
  std::string agent;
  std::string program;
  std::string period;
  std::string team;
};

// `text` with its placeholders replaced. Values are escaped for Slack-style markup (&, <, >), so
// a display name cannot mention @channel or forge a link.
std::string ExpandTemplate(const std::string& text, const AnnouncedAward& award);

}  // namespace plaudit::fulfilment::announce

#endif  // PLAUDIT_FULFILMENT_ANNOUNCE_SETTINGS_H_
