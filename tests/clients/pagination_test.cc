#include "clients/plaudit/pagination.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "plaudit/v1/agents.pb.h"

namespace plaudit::cli {
namespace {

v1::ListAgentsResponse Page(std::vector<std::string> ids, std::string next) {
  v1::ListAgentsResponse page;
  for (const std::string& id : ids) page.add_agents()->set_id(id);
  page.set_next_page_token(next);
  return page;
}

TEST(FetchAllPages, FollowsTokensUntilTheLastPage) {
  std::map<std::string, v1::ListAgentsResponse> pages = {
      {"", Page({"a-1", "a-2"}, "t2")}, {"t2", Page({"a-3"}, "t3")}, {"t3", Page({"a-4"}, "")}};
  std::vector<std::string> tokens_asked;
  std::vector<std::string> ids;
  grpc::Status status = FetchAllPages<v1::ListAgentsResponse>(
      [&](const std::string& token, v1::ListAgentsResponse* response) {
        tokens_asked.push_back(token);
        *response = pages.at(token);
        return grpc::Status::OK;
      },
      [&](const v1::ListAgentsResponse& page) {
        for (const auto& agent : page.agents()) ids.push_back(agent.id());
      });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(tokens_asked, (std::vector<std::string>{"", "t2", "t3"}));
  EXPECT_EQ(ids, (std::vector<std::string>{"a-1", "a-2", "a-3", "a-4"}));
}

TEST(FetchAllPages, StopsAtTheFirstFailedCall) {
  int pages_consumed = 0;
  grpc::Status status = FetchAllPages<v1::ListAgentsResponse>(
      [&](const std::string& token, v1::ListAgentsResponse* response) {
        if (!token.empty()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone");
        *response = Page({"a-1"}, "t2");
        return grpc::Status::OK;
      },
      [&](const v1::ListAgentsResponse&) { ++pages_consumed; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(pages_consumed, 1);
}

TEST(FetchAllPages, ARepeatedTokenIsAnErrorNotAnEndlessLoop) {
  grpc::Status status = FetchAllPages<v1::ListAgentsResponse>(
      [&](const std::string&, v1::ListAgentsResponse* response) {
        *response = Page({"a-1"}, "same");
        return grpc::Status::OK;
      },
      [&](const v1::ListAgentsResponse&) {});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
}

}  // namespace
}  // namespace plaudit::cli
