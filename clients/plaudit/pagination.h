// Walks a List RPC page by page (AIP-158): request with the last next_page_token until the server
// returns an empty one.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_PAGINATION_H_
#define PLAUDIT_CLIENTS_PLAUDIT_PAGINATION_H_

#include <grpcpp/support/status.h>

#include <cstdint>
#include <string>

namespace plaudit::cli {

// Page size asked of every List call.
inline constexpr int32_t kPageSize = 500;

// Calls `fetch(page_token, &response)` (one RPC, returning its status) for each page and hands
// every page to `consume(response)` in order. Returns the first failed call's status. A server
// that returns the token it was given would make this loop forever; that is an INTERNAL error.
template <typename Response, typename Fetch, typename Consume>
grpc::Status FetchAllPages(Fetch&& fetch, Consume&& consume) {
  std::string page_token;
  while (true) {
    Response response;
    grpc::Status status = fetch(page_token, &response);
    if (!status.ok()) return status;
    consume(response);
    if (response.next_page_token().empty()) return grpc::Status::OK;
    if (response.next_page_token() == page_token) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          "the server returned the same page token twice");
    }
    page_token = response.next_page_token();
  }
}

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_PAGINATION_H_
