#include "clients/plaudit/commands.h"

namespace plaudit::cli {

void AddOutputOption(CLI::App* command, std::string* format,
                     const std::vector<std::string>& formats) {
  *format = "table";
  std::string names;
  for (const std::string& name : formats) names += (names.empty() ? "" : "|") + name;
  command->add_option("-o,--output", *format, "Output format: " + names + " (default table)")
      ->check(CLI::IsMember(formats));
}

CommandResult PrintTable(CliContext& ctx, const Table& table, const std::string& format) {
  ctx.out() << Render(table, ParseOutputFormat(format).value_or(OutputFormat::kTable));
  ctx.out().flush();
  if (!ctx.out()) return CommandResult::Failure("cannot write the output");
  return CommandResult::Success();
}

}  // namespace plaudit::cli
