#include "plugins/common/money.h"

#include <cmath>
#include <cstdlib>

namespace plaudit::money {

std::optional<int64_t> ParseMinorUnits(std::string_view decimal) {
  const size_t dot = decimal.find('.');
  const std::string_view whole = decimal.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : decimal.substr(dot + 1);
  if (whole.empty() || whole.size() > 12) return std::nullopt;
  if (dot != std::string_view::npos && (fraction.empty() || fraction.size() > 2)) {
    return std::nullopt;
  }
  int64_t units = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
  }
  for (size_t i = 0; i < 2; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    units = units * 10 + (c - '0');
  }
  return units;
}

std::string FormatMinorUnits(int64_t minor_units) {
  const bool negative = minor_units < 0;
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(minor_units) : static_cast<uint64_t>(minor_units);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

json::Json AmountToJson(int64_t minor_units) {
  if (minor_units % 100 == 0) return json::Json(minor_units / 100);
  return json::Json(static_cast<double>(minor_units) / 100.0);
}

std::optional<int64_t> AmountFromJson(const json::Json& value) {
  constexpr int64_t kMaxWhole = 999'999'999'999;  // 12 digits, as ParseMinorUnits allows
  if (value.is_string()) return ParseMinorUnits(value.get_ref<const std::string&>());
  if (value.is_number_unsigned()) {
    const uint64_t whole = value.get<uint64_t>();
    if (whole > static_cast<uint64_t>(kMaxWhole)) return std::nullopt;
    return static_cast<int64_t>(whole) * 100;
  }
  if (value.is_number_integer()) {
    const int64_t whole = value.get<int64_t>();
    if (whole < 0 || whole > kMaxWhole) return std::nullopt;
    return whole * 100;
  }
  if (value.is_number_float()) {
    const double cents = value.get<double>() * 100.0;
    if (!(cents >= 0.0) || cents > static_cast<double>(kMaxWhole) * 100.0 + 99.0) {
      return std::nullopt;
    }
    const double rounded = std::round(cents);
    // 25.5 * 100 may come out as 2549.9999999999995; a third decimal is further off than this.
    if (std::abs(cents - rounded) > 1e-6) return std::nullopt;
    return static_cast<int64_t>(rounded);
  }
  return std::nullopt;
}

}  // namespace plaudit::money
