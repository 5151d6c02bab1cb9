// The roles table of docs/security.md is the policy table: rendered from PolicyTable(), it must
// appear in docs/security.md as it is, so the two cannot drift apart.
#include <fstream>
#include <sstream>
#include <string>

#include "core/api/access_policy.h"
#include "gtest/gtest.h"

namespace plaudit::api {
namespace {

std::string Cell(Reach reach) {
  switch (reach) {
    case Reach::kNone:
      return "-";
    case Reach::kSelf:
      return "own";
    case Reach::kTeam:
      return "team";
    case Reach::kAll:
      return "all";
  }
  return "-";
}

std::string RenderedTable() {
  std::string table =
      "| RPC or plugin query | admin | manager | agent | service | task role | display | audited "
      "|\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const PolicyRow& row : PolicyTable()) {
    std::string method(row.method);
    if (method.rfind("plaudit.v1.", 0) == 0) method.erase(0, 11);
    table += "| `" + method + "` | ";
    if (!row.open.empty()) {
      table += "open: " + std::string(row.open) + " | | | | | | ";
    } else {
      table += Cell(row.admin) + " | " + Cell(row.manager) + " | " + Cell(row.agent) + " | " +
               Cell(row.service) + " | " + Cell(row.task) + " | " + Cell(row.display) + " | ";
    }
    table += std::string(row.audited ? "yes" : "") + " |\n";
  }
  return table;
}

TEST(PolicyReadme, TheReadmeShowsThePolicyTableAsItIs) {
  std::ifstream in(std::string(PLAUDIT_SOURCE_DIR) + "/docs/security.md");
  ASSERT_TRUE(in) << "docs/security.md not found";
  std::stringstream readme;
  readme << in.rdbuf();
  const std::string table = RenderedTable();
  EXPECT_NE(readme.str().find(table), std::string::npos)
      << "docs/security.md's roles table differs from core/api/access_policy.cc; it should read:\n"
      << table;
}

}  // namespace
}  // namespace plaudit::api
