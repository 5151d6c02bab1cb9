// Amounts of money as whole minor units (cents), converted from and to decimal text and JSON
// numbers. Every currency is taken to have two decimal places, as the vendors' USD, EUR and GBP do.
// Every function is thread-safe.
#ifndef PLAUDIT_PLUGINS_COMMON_MONEY_H_
#define PLAUDIT_PLUGINS_COMMON_MONEY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/common/json_text.h"

namespace plaudit::money {

// "25", "25.5", "25.50" → 2550. nullopt for anything else: signs, exponents, more than two
// decimals, blanks, or more than 12 whole digits.
std::optional<int64_t> ParseMinorUnits(std::string_view decimal);

// 2550 → "25.50"; -5 → "-0.05".
std::string FormatMinorUnits(int64_t minor_units);

// An amount as a JSON number: 2550 → 25.5, 2500 → 25, 1999 → 19.99 (the shortest text that reads
// back as the same double, which for two decimals below 2^53 cents is always the exact amount).
json::Json AmountToJson(int64_t minor_units);

// A JSON number (25, 25.5) or decimal string ("25.50") as minor units; nullopt for negatives,
// fractions of a cent, more than 12 whole digits and other types.
std::optional<int64_t> AmountFromJson(const json::Json& value);

}  // namespace plaudit::money

#endif  // PLAUDIT_PLUGINS_COMMON_MONEY_H_
