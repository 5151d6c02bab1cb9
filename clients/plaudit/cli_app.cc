#include "clients/plaudit/cli_app.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "clients/plaudit/cli_context.h"
#include "clients/plaudit/commands.h"
#include "clients/plaudit/credentials.h"
#include "clients/plaudit/error_line.h"
#include "clients/plaudit/server_address.h"
#include "clients/plaudit/time_text.h"
#include "clients/plaudit/tls_files.h"
#include "plaudit_version.h"

namespace plaudit::cli {
namespace {

// CLI11 reports a missing subcommand before it looks at unexpected words, so `plaudit agents
// frob` would only say "A subcommand is required"; name the word, or the command it belongs to.
std::string UsageErrorMessage(CLI::App& app, const CLI::ParseError& error) {
  CLI::App* command = &app;
  std::string path;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
    path += command->get_name() + " ";
  }
  const bool wants_subcommand = !command->get_subcommands([](CLI::App*) { return true; }).empty();
  if (dynamic_cast<const CLI::RequiredError*>(&error) == nullptr || !wants_subcommand) {
    return error.what();
  }
  for (const std::string& word : app.remaining(/*recurse=*/true)) {
    if (!word.starts_with("-")) {
      return "unknown command \"" + path + word + "\"; see plaudit " + path + "--help";
    }
  }
  return "missing command; see plaudit " + path + "--help";
}

}  // namespace

int RunPlaudit(int argc, const char* const* argv, const char* env_server, std::ostream& out,
               std::ostream& err, bool err_is_terminal) {
  CLI::App app(
      "Administer a Plaudit server: agents, metrics, programs, awards, fulfilments and "
      "plugins.",
      "plaudit");
  // Lets --server follow the subcommand too: `plaudit agents list --server host:port`.
  app.fallthrough();
  app.require_subcommand(1);
  app.footer(
      "Exit status: 0 done; 1 failed (the server refused, could not be reached, rows were "
      "rejected, or the audit trail is not intact); 2 usage error, nothing sent; 3 an approval "
      "left the award over budget.\n"
      "Times are shown in UTC (RFC 3339) unless --time-zone is given.");
  app.set_version_flag("--version", std::string("plaudit ") + kPlauditVersion,
                       "Print the version of plaudit and exit");
  std::string server_flag;
  CLI::Option* server_option =
      app.add_option("--server", server_flag,
                     std::string("plauditd address, host[:port] for plaintext or "
                                 "https://host[:port] for TLS (port ") +
                         kDefaultServerPort + " when not given; default $" + kServerAddressEnvVar +
                         " or " + kDefaultServerAddress + ")")
          ->type_name("ADDR");
  std::string ca_file, cert_file, key_file;
  app.add_option("--ca-file", ca_file,
                 "CA certificate (PEM) that signed an https:// server's certificate; default the "
                 "system's trusted CAs")
      ->type_name("FILE")
      ->envname("PLAUDIT_CA_FILE");
  app.add_option("--cert", cert_file,
                 "Client certificate (PEM) for a server that requires one; needs --key")
      ->type_name("FILE")
      ->envname("PLAUDIT_CERT");
  app.add_option("--key", key_file, "Private key (PEM) of --cert")
      ->type_name("FILE")
      ->envname("PLAUDIT_KEY");
  std::string token_file, profile_name;
  app.add_option("--token-file", token_file,
                 "File holding your OpenID Connect access token, sent as a bearer token; "
                 "default $PLAUDIT_TOKEN (the token itself), then the profile's token_file")
      ->type_name("FILE")
      ->envname("PLAUDIT_TOKEN_FILE");
  app.add_option("--profile", profile_name,
                 "Profile of the config file ($PLAUDIT_CONFIG or ~/.config/plaudit/config.yaml) "
                 "giving server, ca_file, cert, key and token_file; default \"default\"")
      ->type_name("NAME")
      ->envname("PLAUDIT_PROFILE");
  std::string actor;
  app.add_option("--as", actor,
                 "Development mode only: the name to act as on a server that trusts every "
                 "caller (ignored by a server that checks tokens)")
      ->type_name("USER");
  std::string zone_name;
  app.add_option("--time-zone", zone_name,
                 "Show times in this IANA zone (e.g. Europe/Stockholm) with its offset; default "
                 "UTC")
      ->type_name("ZONE")
      ->check([](const std::string& name) -> std::string {
        if (LoadDisplayZone(name).has_value()) return "";
        return "unknown time zone \"" + name + "\" (an IANA name such as Europe/Stockholm)";
      });

  CommandAction selected;
  AddAgentCommands(app, &selected);
  AddMetricCommands(app, &selected);
  AddProgramCommands(app, &selected);
  AddAwardCommands(app, &selected);
  AddFulfilmentCommands(app, &selected);
  AddPluginCommands(app, &selected);
  AddSourceCommands(app, &selected);
  AddRewardCommands(app, &selected);
  AddPraiseCommands(app, &selected);
  AddBudgetCommands(app, &selected);
  AddParkingCommands(app, &selected);
  AddTaskCommands(app, &selected);
  AddLeaveCommands(app, &selected);
  AddCertificateCommands(app, &selected);
  AddCorrectionCommands(app, &selected);
  AddAuditCommands(app, &selected);
  AddAuthCommands(app, &selected);
  AddExportCommands(app, &selected);
  AddReportCommands(app, &selected);
  AddAdminCommands(app, &selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help
      return kExitSuccess;
    }
    err << ErrorLine(UsageErrorMessage(app, e)) << '\n';
    return kExitUsage;
  }
  if (!selected) {
    err << ErrorLine("no command given; see plaudit --help") << '\n';
    return kExitUsage;
  }

  // A profile fills in what neither the flags nor the environment gave.
  std::string problem;
  const std::optional<Profile> profile =
      LoadProfile(ProfileFilePath(), profile_name.empty() ? "default" : profile_name, &problem);
  if (!problem.empty()) {
    err << ErrorLine(problem) << '\n';
    return kExitUsage;
  }
  std::optional<std::string> flag_value;
  if (server_option->count() > 0) flag_value = server_flag;
  if (!flag_value && (env_server == nullptr || *env_server == '\0') && profile &&
      !profile->server.empty()) {
    flag_value = profile->server;
  }
  if (profile) {
    if (ca_file.empty()) ca_file = profile->ca_file;
    if (cert_file.empty() && key_file.empty()) {
      cert_file = profile->cert;
      key_file = profile->key;
    }
  }
  std::string token;
  const char* env_token = std::getenv("PLAUDIT_TOKEN");
  if (!token_file.empty()) {
    token = ReadTokenFile(token_file, &problem);
  } else if (env_token != nullptr && *env_token != '\0') {
    token = env_token;
  } else if (profile && !profile->token_file.empty()) {
    token = ReadTokenFile(profile->token_file, &problem);
  }
  if (!problem.empty()) {
    err << ErrorLine(problem) << '\n';
    return kExitFailure;
  }
  const std::string server = ResolveServerAddress(flag_value, env_server);
  if (cert_file.empty() != key_file.empty()) {
    err << ErrorLine("--cert and --key go together (also $PLAUDIT_CERT and $PLAUDIT_KEY)") << '\n';
    return kExitUsage;
  }
  // Certificates with a plaintext address would be silently unused: the user meant TLS.
  if (!IsTlsAddress(server) && !(ca_file.empty() && cert_file.empty())) {
    err << ErrorLine("--ca-file, --cert and --key are for a TLS server, but " + server +
                     " is plaintext (use https://" + server + ")")
        << '\n';
    return kExitUsage;
  }
  TlsFiles tls_files;
  if (std::string problem = LoadTlsFiles(ca_file, cert_file, key_file, &tls_files);
      !problem.empty()) {
    err << ErrorLine(problem) << '\n';
    return kExitFailure;
  }
  CliContext context(server, out, err, err_is_terminal);
  context.set_tls_files(std::move(tls_files));
  context.set_actor(actor);
  context.set_token(token);
  if (!zone_name.empty()) context.set_time_zone(*LoadDisplayZone(zone_name));
  CommandResult result;
  try {
    result = selected(context);
  } catch (const std::exception& e) {
    result = CommandResult::Failure(std::string("unexpected error: ") + e.what());
  }
  out.flush();
  if (!result.error.empty()) err << ErrorLine(result.error) << '\n';
  return result.exit_code;
}

}  // namespace plaudit::cli
