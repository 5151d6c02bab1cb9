// plaudit certificates verify FILE | certificates revoke ID --reason TEXT | certificates public-key
//
// Thin wrappers around the certificate plugin's queries. `verify` exits 0 only for a credential
// whose signature, issuer and shape check out and that is not revoked; the plugin's report says
// which check failed.
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/input_file.h"
#include "clients/plaudit/plugin_query.h"
#include "plaudit/trim.h"
#include "plaudit/v1/plugins.grpc.pb.h"

namespace plaudit::cli {
namespace {

constexpr char kPlugin[] = "certificate";

struct VerifyOptions {
  std::string file;
  std::string format;
};

struct RevokeOptions {
  std::string id;
  std::string reason;
  std::string format;
};

// The cell of `column` in the answer's first row, or "".
std::string FirstRowCell(const v1::QueryPluginResponse& response, const std::string& column) {
  for (int i = 0; i < response.columns_size(); ++i) {
    if (response.columns(i) == column && response.rows_size() > 0 &&
        i < response.rows(0).cells_size()) {
      return response.rows(0).cells(i);
    }
  }
  return {};
}

CommandResult VerifyCertificate(CliContext& ctx, const VerifyOptions& options) {
  std::string contents;
  std::string error;
  if (!ReadInputFile(options.file, &contents, &error)) return CommandResult::Failure(error);
  const std::string credential(Trim(contents));
  if (credential.empty()) return CommandResult::Failure(options.file + " is empty");

  auto stub = v1::PluginService::NewStub(ctx.channel());
  grpc::ClientContext call;
  SetDeadline(&call, kCallDeadline);
  v1::QueryPluginRequest request;
  request.set_plugin(kPlugin);
  request.set_method("verify");
  (*request.mutable_args())["credential"] = credential;
  v1::QueryPluginResponse response;
  grpc::Status status = stub->QueryPlugin(&call, request, &response);
  if (!status.ok()) return ctx.RpcFailure(status);

  // The report's lines say everything the table does, so a terminal gets the lines alone.
  const OutputFormat format = ParseOutputFormat(options.format).value_or(OutputFormat::kTable);
  if (format == OutputFormat::kJson) {
    ctx.out() << QueryJson(response, AnswerShape::kOne);
  } else if (format == OutputFormat::kCsv) {
    CommandResult printed = PrintTable(ctx, QueryTable(response), options.format);
    if (printed.exit_code != 0) return printed;
  } else {
    ctx.out() << response.text();
    if (!response.text().empty() && response.text().back() != '\n') ctx.out() << '\n';
  }

  const std::string verdict = FirstRowCell(response, "verdict");
  if (verdict == "valid") return CommandResult::Success();
  if (verdict == "revoked") return CommandResult::Failure(options.file + ": credential is revoked");
  return CommandResult::Failure(
      options.file + ": credential is not valid" +
      (verdict.empty() || verdict == "invalid" ? "" : " (" + verdict + ")"));
}

}  // namespace

void AddCertificateCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* certificates = app.add_subcommand(
      "certificates", "Certificate credentials (Open Badges 3.0): verify, revoke, public key");
  certificates->require_subcommand(1);

  auto verify_options = std::make_shared<VerifyOptions>();
  CLI::App* verify = certificates->add_subcommand(
      "verify", "Check a certificate's credential (.jwt); exits 1 when invalid or revoked");
  verify->add_option("FILE", verify_options->file, "The .jwt written beside the certificate PDF")
      ->required();
  AddOutputOption(verify, &verify_options->format, {"table", "json", "csv"});
  verify->callback([=] {
    *selected = [=](CliContext& ctx) { return VerifyCertificate(ctx, *verify_options); };
  });

  auto revoke_options = std::make_shared<RevokeOptions>();
  CLI::App* revoke =
      certificates->add_subcommand("revoke", "Revoke a certificate's credential (as --as USER)");
  revoke->add_option("ID", revoke_options->id, "Credential id (urn:uuid:... or the bare UUID)")
      ->required();
  revoke->add_option("--reason", revoke_options->reason, "Why, for the revocation record")
      ->required();
  AddOutputOption(revoke, &revoke_options->format, {"table", "json", "csv"});
  revoke->callback([=] {
    *selected = [=](CliContext& ctx) {
      return RunPluginQuery(ctx, kPlugin, "revoke",
                            {{"id", revoke_options->id}, {"reason", revoke_options->reason}},
                            revoke_options->format, AnswerShape::kOne);
    };
  });

  auto key_format = std::make_shared<std::string>();
  CLI::App* public_key = certificates->add_subcommand(
      "public-key", "The issuer's public key (JWK and PEM), for verifying credentials offline");
  AddOutputOption(public_key, key_format.get(), {"table", "json", "csv"});
  public_key->callback([=] {
    *selected = [=](CliContext& ctx) {
      return RunPluginQuery(ctx, kPlugin, "public_key", {}, *key_format, AnswerShape::kOne);
    };
  });
}

}  // namespace plaudit::cli
