// plaudit rewards catalog | rewards code IDEMPOTENCY_KEY: the gift_card plugin's queries.
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/plugin_query.h"

namespace plaudit::cli {
namespace {

constexpr char kGiftCardPlugin[] = "gift_card";

struct CodeOptions {
  std::string idempotency_key;
  std::string format;
};

}  // namespace

void AddRewardCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* rewards = app.add_subcommand("rewards", "Rewards from vendors (gift cards)");
  rewards->require_subcommand(1);

  auto catalog_format = std::make_shared<std::string>();
  CLI::App* catalog = rewards->add_subcommand("catalog", "List the gift-card vendor's brands");
  AddOutputOption(catalog, catalog_format.get(), {"table", "json", "csv"});
  catalog->callback([=] {
    *selected = [=](CliContext& ctx) {
      return RunPluginQuery(ctx, kGiftCardPlugin, "catalog", {}, *catalog_format);
    };
  });

  auto code_options = std::make_shared<CodeOptions>();
  CLI::App* code = rewards->add_subcommand(
      "code", "Show a gift card's redemption code to its recipient (as --as USER)");
  code->add_option("IDEMPOTENCY_KEY", code_options->idempotency_key, "The reward's key")
      ->required();
  AddOutputOption(code, &code_options->format, {"table", "json", "csv"});
  code->callback([=] {
    *selected = [=](CliContext& ctx) {
      return RunPluginQuery(ctx, kGiftCardPlugin, "code",
                            {{"idempotency_key", code_options->idempotency_key}},
                            code_options->format, AnswerShape::kOne);
    };
  });
}

}  // namespace plaudit::cli
