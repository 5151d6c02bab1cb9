// Runs a plugin's named query through plauditd and prints its answer: the table (as a table,
// CSV or JSON) and then its text. Commands such as `rewards catalog` or `parking calendar` are
// thin wrappers around it.
//
// Plugins answer in text cells; a column whose every non-empty cell is a plain integer or
// decimal ("12", "-3", "12.5"; not "007" or "1e3", which are more likely codes) is typed as a
// number, so JSON prints it as one and a table right-aligns it. An empty cell in a numeric column
// is absent (null in JSON).
#ifndef PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_
#define PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_

#include <map>
#include <string>

#include "clients/plaudit/cli_context.h"
#include "clients/plaudit/table.h"
#include "plaudit/v1/plugins.pb.h"

namespace plaudit::cli {

// The answer's table, numeric columns typed as above.
Table QueryTable(const v1::QueryPluginResponse& response);

// What `-o json` prints for an answer.
enum class AnswerShape {
  // An array with an object per row (a list: calendar, balances, tasks, catalog).
  kRows,
  // One object: the first row's cells, plus "text" when the answer has text (a single resource:
  // a code, a verification, a public key with its PEM). null when there is no row.
  kOne,
};

// The answer as JSON text in `shape`.
std::string QueryJson(const v1::QueryPluginResponse& response, AnswerShape shape);

// Sends the query as ctx.actor() and prints the answer in `format` (table, csv or json).
CommandResult RunPluginQuery(CliContext& ctx, const std::string& plugin, const std::string& method,
                             const std::map<std::string, std::string>& args,
                             const std::string& format, AnswerShape shape = AnswerShape::kRows);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_
