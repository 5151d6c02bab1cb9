#include "clients/plaudit/plugin_query.h"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "clients/plaudit/commands.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Digits, no leading zero unless alone: "0", "12", not "007".
bool IsPlainDigits(std::string_view digits) {
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!IsDigit(c)) return false;
  }
  return digits.size() == 1 || digits[0] != '0';
}

std::string_view Unsigned(std::string_view text) {
  return text.starts_with('-') ? text.substr(1) : text;
}

bool IsInteger(std::string_view text) {
  int64_t value;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return IsPlainDigits(Unsigned(text)) && error == std::errc() && end == text.data() + text.size();
}

bool IsDecimal(std::string_view text) {
  std::string_view digits = Unsigned(text);
  const size_t point = digits.find('.');
  if (point == std::string_view::npos) return IsInteger(text);
  std::string_view fraction = digits.substr(point + 1);
  if (!IsPlainDigits(digits.substr(0, point)) || fraction.empty()) return false;
  for (char c : fraction) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

ColumnType InferType(const v1::QueryPluginResponse& response, int column) {
  bool any = false;
  bool integers = true;
  bool decimals = true;
  for (const auto& row : response.rows()) {
    if (column >= row.cells_size() || row.cells(column).empty()) continue;
    any = true;
    integers = integers && IsInteger(row.cells(column));
    decimals = decimals && IsDecimal(row.cells(column));
  }
  if (!any) return ColumnType::kText;
  if (integers) return ColumnType::kInteger;
  return decimals ? ColumnType::kDecimal : ColumnType::kText;
}

Cell TypedCell(const std::string& text, ColumnType type) {
  if (type == ColumnType::kText) return text;
  if (text.empty()) return std::monostate();
  if (type == ColumnType::kInteger) {
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
  }
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

Table QueryTable(const v1::QueryPluginResponse& response) {
  Table table;
  for (int i = 0; i < response.columns_size(); ++i) {
    table.columns.push_back(Column{response.columns(i), InferType(response, i)});
  }
  for (const auto& row : response.rows()) {
    std::vector<Cell> cells;
    for (int i = 0; i < response.columns_size(); ++i) {
      cells.push_back(
          TypedCell(i < row.cells_size() ? row.cells(i) : std::string(), table.columns[i].type));
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
}

std::string QueryJson(const v1::QueryPluginResponse& response, AnswerShape shape) {
  const Table table = QueryTable(response);
  if (shape == AnswerShape::kRows) return RenderJson(table);
  if (table.rows.empty() && response.text().empty()) return "null\n";
  Table one{table.columns, {}};
  if (!table.rows.empty()) {
    one.rows.push_back(table.rows.front());
  } else {
    one.columns.clear();
    one.rows.emplace_back();
  }
  if (!response.text().empty()) {
    one.columns.push_back(Column{"text", ColumnType::kText});
    one.rows.front().push_back(response.text());
  }
  return RenderJsonObject(one);
}

CommandResult RunPluginQuery(CliContext& ctx, const std::string& plugin, const std::string& method,
                             const std::map<std::string, std::string>& args,
                             const std::string& format, AnswerShape shape) {
  auto stub = v1::PluginService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::QueryPluginRequest request;
  request.set_plugin(plugin);
  request.set_method(method);
  for (const auto& [key, value] : args) (*request.mutable_args())[key] = value;
  v1::QueryPluginResponse response;
  grpc::Status status = stub->QueryPlugin(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);
  if (ParseOutputFormat(format) == OutputFormat::kJson) {
    ctx.out() << QueryJson(response, shape);
    ctx.out().flush();
    if (!ctx.out()) return CommandResult::Failure("cannot write the output");
    return CommandResult::Success();
  }
  if (!response.columns().empty()) {
    CommandResult printed = PrintTable(ctx, QueryTable(response), format);
    if (printed.exit_code != 0) return printed;
  }
  if (!response.text().empty() && ParseOutputFormat(format) == OutputFormat::kTable) {
    ctx.out() << response.text();
    if (response.text().back() != '\n') ctx.out() << '\n';
  }
  return CommandResult::Success();
}

}  // namespace plaudit::cli
