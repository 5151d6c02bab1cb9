// Amounts of money as whole minor units (cents), converted from and to decimal text. Every
// currency is taken to have two decimal places, as the vendors' USD, EUR and GBP do.
#ifndef PLAUDIT_PLUGINS_COMMON_MONEY_H_
#define PLAUDIT_PLUGINS_COMMON_MONEY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace plaudit::money {

// "25", "25.5", "25.50" → 2550. nullopt for anything else: signs, exponents, more than two
// decimals, blanks, or more than 12 whole digits.
std::optional<int64_t> ParseMinorUnits(std::string_view decimal);

// 2550 → "25.50"; -5 → "-0.05".
std::string FormatMinorUnits(int64_t minor_units);

}  // namespace plaudit::money

#endif  // PLAUDIT_PLUGINS_COMMON_MONEY_H_
