// AIP-158 style pagination over an in-memory result: the page token is the offset of the next
// item, opaque to clients.
#ifndef PLAUDIT_CORE_API_PAGINATION_H_
#define PLAUDIT_CORE_API_PAGINATION_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace plaudit::api {

struct Page {
  size_t begin = 0;
  size_t end = 0;
  // Empty on the last page.
  std::string next_token;
};

inline constexpr int64_t kDefaultPageSize = 100;
inline constexpr int64_t kMaxPageSize = 1000;

// page_size 0 means the default (kDefaultPageSize); at most kMaxPageSize.
absl::StatusOr<Page> Paginate(int32_t page_size, const std::string& page_token, size_t total);

// Pagination over a sequence read page by page: the page token is the last seq of the page
// before, so records appended meanwhile neither shift nor repeat a page.
struct SeqPage {
  // The page size (page_size as Paginate reads it).
  int64_t size = 0;
  // Records after this seq; 0 for the first page.
  int64_t after_seq = 0;
};
absl::StatusOr<SeqPage> PageAfterSeq(int32_t page_size, const std::string& page_token);

}  // namespace plaudit::api

#endif  // PLAUDIT_CORE_API_PAGINATION_H_
