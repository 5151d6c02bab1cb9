#include "core/scoring/exact_sum.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace plaudit {

void ExactSum::Add(double x) {
  // Each partial in turn is added to x with its rounding error kept exactly (two-sum): the
  // errors that are not zero become the new partials, and what is left of x goes on top.
  size_t kept = 0;
  for (double y : partials_) {
    if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
    const double hi = x + y;
    const double lo = y - (hi - x);
    if (lo != 0.0) partials_[kept++] = lo;
    x = hi;
  }
  partials_.resize(kept);
  partials_.push_back(x);
}

void ExactSum::Merge(const ExactSum& other) {
  for (double p : other.partials_) Add(p);
}

double ExactSum::Value() const {
  if (partials_.empty()) return 0.0;
  // From the largest partial down, until a rounding error appears; then correct the last
  // rounding when it was a tie broken the wrong way by what lies below.
  size_t n = partials_.size() - 1;
  double hi = partials_[n];
  double lo = 0.0;
  while (n > 0) {
    const double x = hi;
    const double y = partials_[--n];
    hi = x + y;
    const double yr = hi - x;
    lo = y - yr;
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0 && partials_[n - 1] < 0) || (lo > 0 && partials_[n - 1] > 0))) {
    const double y = lo * 2;
    const double x = hi + y;
    const double yr = x - hi;
    if (y == yr) hi = x;
  }
  return hi;
}

std::string ExactSum::Encode() const {
  std::string bytes(partials_.size() * 8, '\0');
  for (size_t i = 0; i < partials_.size(); ++i) {
    uint64_t bits = std::bit_cast<uint64_t>(partials_[i]);
    for (int b = 0; b < 8; ++b) bytes[i * 8 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return bytes;
}

absl::StatusOr<ExactSum> ExactSum::Decode(std::string_view bytes) {
  if (bytes.size() % 8 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("exact sum: ", bytes.size(), " bytes is not a whole number of partials"));
  }
  ExactSum sum;
  sum.partials_.reserve(bytes.size() / 8);
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t bits = 0;
    for (int b = 0; b < 8; ++b) {
      bits |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
    }
    const double p = std::bit_cast<double>(bits);
    if (!std::isfinite(p)) {
      return absl::InvalidArgumentError("exact sum: a partial is not a finite number");
    }
    sum.partials_.push_back(p);
  }
  return sum;
}

}  // namespace plaudit
