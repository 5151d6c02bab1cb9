// The exact sum of a set of doubles, rounded once at the end, so that it does not depend on the
// order the values were added in: an aggregate kept up to date as events arrive, one rebuilt from
// the raw events, and one merged from pieces all come out bit for bit the same.
//
// Shewchuk's "adaptive precision" partials (J. R. Shewchuk, Adaptive Precision Floating-Point
// Arithmetic and Fast Robust Geometric Predicates, 1997), the method behind Python's math.fsum:
// the running sum is held as a few non-overlapping doubles whose exact total is the exact sum;
// adding a value is exact, and Value() rounds that total to the nearest double (ties to even).
// Written here because no Debian-packaged C++ library offers an exact, mergeable, serialisable
// accumulator; ordinary or Kahan summation depends on the order of the values.
//
// Values must be finite (ingest refuses the others). A total beyond the double range is +-inf.
#ifndef PLAUDIT_CORE_SCORING_EXACT_SUM_H_
#define PLAUDIT_CORE_SCORING_EXACT_SUM_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace plaudit {

class ExactSum {
 public:
  ExactSum() = default;

  // Adds `x` exactly.
  void Add(double x);
  // Adds everything `other` holds, exactly.
  void Merge(const ExactSum& other);
  // The exact total correctly rounded to a double.
  double Value() const;
  bool empty() const { return partials_.empty(); }

  // The partials as 8 bytes each (IEEE 754, little-endian): what a rollup stores to go on adding.
  std::string Encode() const;
  // INVALID_ARGUMENT unless `bytes` is what Encode() writes.
  static absl::StatusOr<ExactSum> Decode(std::string_view bytes);

 private:
  // Non-overlapping, increasing in magnitude; their exact total is the sum.
  std::vector<double> partials_;
};

}  // namespace plaudit

#endif  // PLAUDIT_CORE_SCORING_EXACT_SUM_H_
