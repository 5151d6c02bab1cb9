// Runs a plugin's named query through plauditd and prints its answer: the table (as a table,
// CSV or JSON rows) and then its text. Commands such as `rewards catalog` or `parking calendar`
// are thin wrappers around it.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_
#define PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_

#include <map>
#include <string>

#include "clients/plaudit/cli_context.h"
#include "clients/plaudit/table.h"
#include "plaudit/v1/plugins.pb.h"

namespace plaudit::cli {

// The answer's table, every column as text.
Table QueryTable(const v1::QueryPluginResponse& response);

// Sends the query as ctx.actor() and prints the answer in `format` (table, csv or json).
CommandResult RunPluginQuery(CliContext& ctx, const std::string& plugin, const std::string& method,
                             const std::map<std::string, std::string>& args,
                             const std::string& format);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_PLUGIN_QUERY_H_
