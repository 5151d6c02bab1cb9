#include "clients/plaudit/commands.h"
#include "clients/plaudit/proto_json.h"

namespace plaudit::cli {

void AddOutputOption(CLI::App* command, std::string* format,
                     const std::vector<std::string>& formats) {
  *format = "table";
  std::string names;
  for (const std::string& name : formats) names += (names.empty() ? "" : "|") + name;
  command->add_option("-o,--output", *format, "Output format: " + names + " (default table)")
      ->check(CLI::IsMember(formats));
}

void AddEncodingOption(CLI::App* command, CsvEncoding* encoding) {
  *encoding = CsvEncoding::kUtf8;
  command
      ->add_option_function<std::string>(
          "--encoding",
          [encoding](const std::string& name) {
            // CLI11 checked the name first, so it parses.
            *encoding = ParseCsvEncoding(name).value_or(CsvEncoding::kUtf8);
          },
          "The file's text encoding: utf-8, latin1 or windows-1252 (default utf-8)")
      ->check(CLI::Validator(
          [](std::string& name) {
            return ParseCsvEncoding(name).has_value()
                       ? std::string()
                       : "unknown encoding \"" + name +
                             "\" (expected utf-8, latin1 or windows-1252)";
          },
          "ENCODING"));
}

CommandResult PrintTable(CliContext& ctx, const Table& table, const std::string& format) {
  ctx.out() << Render(table, ParseOutputFormat(format).value_or(OutputFormat::kTable));
  ctx.out().flush();
  if (!ctx.out()) return CommandResult::Failure("cannot write the output");
  return CommandResult::Success();
}

CommandResult PrintJson(CliContext& ctx, const google::protobuf::Message& message) {
  return PrintJson(ctx, ProtoToJson(message, ctx.time_zone()));
}

CommandResult PrintJson(CliContext& ctx, const nlohmann::ordered_json& json) {
  ctx.out() << JsonText(json);
  ctx.out().flush();
  if (!ctx.out()) return CommandResult::Failure("cannot write the output");
  return CommandResult::Success();
}

}  // namespace plaudit::cli
