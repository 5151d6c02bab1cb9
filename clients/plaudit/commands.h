// The `plaudit` command tree. Each Add*Commands function adds one resource's subcommands
// ("agents import", "agents list", ...) to the top-level app; the command named on the command
// line stores what it will do in *selected while CLI11 parses, and runs only after parsing
// succeeded, so a usage error never reaches the server.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_COMMANDS_H_
#define PLAUDIT_CLIENTS_PLAUDIT_COMMANDS_H_

#include <google/protobuf/message.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "clients/plaudit/cli_context.h"
#include "clients/plaudit/output.h"
#include "core/csv/csv_reader.h"

namespace plaudit::cli {

using CommandAction = std::function<CommandResult(CliContext&)>;

void AddAgentCommands(CLI::App& app, CommandAction* selected);
void AddMetricCommands(CLI::App& app, CommandAction* selected);
void AddProgramCommands(CLI::App& app, CommandAction* selected);
void AddAwardCommands(CLI::App& app, CommandAction* selected);
void AddFulfilmentCommands(CLI::App& app, CommandAction* selected);
void AddPluginCommands(CLI::App& app, CommandAction* selected);
void AddSourceCommands(CLI::App& app, CommandAction* selected);
void AddRewardCommands(CLI::App& app, CommandAction* selected);
void AddPraiseCommands(CLI::App& app, CommandAction* selected);
void AddBudgetCommands(CLI::App& app, CommandAction* selected);
void AddParkingCommands(CLI::App& app, CommandAction* selected);
void AddTaskCommands(CLI::App& app, CommandAction* selected);
void AddLeaveCommands(CLI::App& app, CommandAction* selected);
void AddCertificateCommands(CLI::App& app, CommandAction* selected);
void AddAuditCommands(CLI::App& app, CommandAction* selected);
void AddAuthCommands(CLI::App& app, CommandAction* selected);
void AddExportCommands(CLI::App& app, CommandAction* selected);
void AddReportCommands(CLI::App& app, CommandAction* selected);
void AddAdminCommands(CLI::App& app, CommandAction* selected);
// After the metrics, programs and agents commands: it adds to them.
void AddCorrectionCommands(CLI::App& app, CommandAction* selected);

// --encoding utf-8|latin1|windows-1252 (default utf-8) for a command that reads a CSV file: the
// file is decoded to UTF-8 before anything is sent, and a row that is not valid in it is
// rejected by line.
void AddEncodingOption(CLI::App* command, CsvEncoding* encoding);

// Adds "-o,--output FORMAT" to `command`, accepting `formats` (e.g. {"table", "json", "csv"}),
// defaulting to "table". Parsing succeeds only for an accepted name, so ParseOutputFormat on
// *format cannot fail afterwards.
void AddOutputOption(CLI::App* command, std::string* format,
                     const std::vector<std::string>& formats);

// Writes `message` to ctx.out() as JSON in the shape every command shares (see proto_json.h),
// times in ctx.time_zone().
CommandResult PrintJson(CliContext& ctx, const google::protobuf::Message& message);
CommandResult PrintJson(CliContext& ctx, const nlohmann::ordered_json& json);

// Writes `table` to ctx.out() in the format named by `format`.
CommandResult PrintTable(CliContext& ctx, const Table& table, const std::string& format);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_COMMANDS_H_
