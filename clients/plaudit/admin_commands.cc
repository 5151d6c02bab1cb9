// Administration that works on a store directly, not through a server:
//   plaudit admin migrate --from sqlite:PATH --to postgres:DSN [--secrets-key-file FILE]
//
// migrate copies a centre's embedded database (PATH: the database file, or the data directory
// holding plaudit.db) into an empty PostgreSQL database, then counts and checksums every table on
// both sides before committing (core/store/postgres/sqlite_import.h). The secrets key is the
// source's: FILE, or secrets.key beside the database. The DSN may hold a password; it is never
// printed.
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/plaudit/commands.h"
#include "core/store/postgres/sqlite_import.h"
#include "core/store/secrets_key_file.h"

namespace plaudit::cli {
namespace {

struct MigrateOptions {
  std::string from;
  std::string to;
  std::string secrets_key_file;
};

CommandResult Migrate(CliContext& ctx, const MigrateOptions& options) {
  if (!absl::StartsWith(options.from, "sqlite:") || options.from.size() == 7) {
    return CommandResult{2,
                         absl::StrCat("--from: expected sqlite:PATH, not \"", options.from, "\"")};
  }
  if (!absl::StartsWith(options.to, "postgres:") || options.to.size() == 9) {
    return CommandResult{2, "--to: expected postgres:DSN (a postgresql:// URI or key=value pairs)"};
  }
  std::filesystem::path path = options.from.substr(7);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) path /= "plaudit.db";
  if (!std::filesystem::is_regular_file(path, ec)) {
    return CommandResult::Failure(absl::StrCat("--from: no database at ", path.string()));
  }
  const std::string key_file = options.secrets_key_file.empty()
                                   ? (path.parent_path() / "secrets.key").string()
                                   : options.secrets_key_file;
  struct stat key_stat;
  if (::stat(key_file.c_str(), &key_stat) != 0) {
    return CommandResult::Failure(absl::StrCat(
        "no secrets key at ", key_file,
        "; give the source's with --secrets-key-file (its plauditd's secrets.key_file)"));
  }
  auto cipher = LoadOrCreateSecretsKey(key_file);
  if (!cipher.ok()) return CommandResult::Failure(std::string(cipher.status().message()));

  ctx.out() << "copying " << path.string() << " into PostgreSQL\n";
  int64_t total = 0;
  auto copied = ImportSqliteIntoPostgres(
      path.string(), options.to.substr(9), *cipher, [&](const CopiedTable& table) {
        ctx.out() << "  " << table.table << ": " << table.rows << " rows, checksum "
                  << table.checksum << " on both sides\n";
        ctx.out().flush();
        total += table.rows;
      });
  if (!copied.ok()) {
    return CommandResult::Failure(
        absl::StrCat("migrate: ", copied.status().message(), "; the target is unchanged"));
  }
  ctx.out() << "copied " << total << " rows in " << copied->size()
            << " tables, counted and checksummed on both sides. Start plauditd with store: "
               "{driver: postgres} and secrets.key_file: "
            << key_file << "; it rebuilds the period aggregates from the events.\n";
  return CommandResult::Success();
}

}  // namespace

void AddAdminCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* admin = app.add_subcommand("admin", "Work on a store directly (no server)");
  admin->require_subcommand(1);
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* migrate = admin->add_subcommand(
      "migrate",
      "Copy an embedded (SQLite) database into an empty PostgreSQL database, verifying counts "
      "and checksums");
  migrate->add_option("--from", options->from, "sqlite:PATH (the database file or data dir)")
      ->required();
  migrate->add_option("--to", options->to, "postgres:DSN (postgresql://... or key=value pairs)")
      ->required();
  migrate->add_option("--secrets-key-file", options->secrets_key_file,
                      "the source's secrets key (default: secrets.key beside the database)");
  migrate->callback([=] { *selected = [=](CliContext& ctx) { return Migrate(ctx, *options); }; });
}

}  // namespace plaudit::cli
