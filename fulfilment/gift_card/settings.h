// The gift_card plugin's settings, read from its section of the server configuration.
//
//   base_url        the vendor API's root, e.g. https://api.vendor.example (required)
//   api_key_file    a file holding the API key (relative paths are below the data dir), or
//   api_key_env     the environment variable holding it (default PLAUDIT_GIFT_CARD_API_KEY)
//   timeout_ms      limit of one vendor call, connecting included (default 10000)
//   catalog_ttl_s   how long the brand catalogue is cached (default 300)
//   balance_ttl_s   how long a reading of the account balance is trusted, less the cards
//                   ordered since (default 60; 0 reads it before every order)
//   ca_file         PEM bundle to verify the vendor's certificate with (default: system store)
//
// The key itself never appears in an error: only where it was looked for.
#ifndef PLAUDIT_FULFILMENT_GIFT_CARD_SETTINGS_H_
#define PLAUDIT_FULFILMENT_GIFT_CARD_SETTINGS_H_

#include <cstdint>
#include <map>
#include <string>

namespace plaudit::fulfilment::gift_card {

inline constexpr char kDefaultApiKeyEnv[] = "PLAUDIT_GIFT_CARD_API_KEY";

struct Settings {
  std::string base_url;
  std::string api_key;
  int64_t timeout_ms = 10000;
  int64_t catalog_ttl_s = 300;
  int64_t balance_ttl_s = 60;
  std::string ca_file;
};

// Fills *settings from `config`; returns "" or why the configuration is refused.
std::string ReadSettings(const std::map<std::string, std::string>& config,
                         const std::string& data_dir, Settings* settings);

}  // namespace plaudit::fulfilment::gift_card

#endif  // PLAUDIT_FULFILMENT_GIFT_CARD_SETTINGS_H_
