#include "core/api/pagination.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace plaudit::api {

absl::StatusOr<Page> Paginate(int32_t page_size, const std::string& page_token, size_t total) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", page_size));
  }
  size_t size = page_size == 0 ? static_cast<size_t>(kDefaultPageSize)
                               : std::min<size_t>(static_cast<size_t>(page_size),
                                                  static_cast<size_t>(kMaxPageSize));
  uint64_t offset = 0;
  if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &offset) || offset > total)) {
    return absl::InvalidArgumentError("page_token: not a token returned by this list");
  }
  Page page;
  page.begin = static_cast<size_t>(offset);
  page.end = std::min(total, page.begin + size);
  if (page.end < total) page.next_token = absl::StrCat(page.end);
  return page;
}

absl::StatusOr<SeqPage> PageAfterSeq(int32_t page_size, const std::string& page_token) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must not be negative, got ", page_size));
  }
  SeqPage page;
  page.size = page_size == 0 ? kDefaultPageSize : std::min<int64_t>(page_size, kMaxPageSize);
  if (!page_token.empty() &&
      (!absl::SimpleAtoi(page_token, &page.after_seq) || page.after_seq < 1)) {
    return absl::InvalidArgumentError("page_token: not a token returned by this list");
  }
  return page;
}

}  // namespace plaudit::api
