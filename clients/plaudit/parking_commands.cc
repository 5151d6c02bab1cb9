// plaudit parking calendar [--month YYYY-MM]: the parking plugin's bookings, spot by spot.
#include <map>
#include <memory>
#include <string>

#include "clients/plaudit/commands.h"
#include "clients/plaudit/plugin_query.h"

namespace plaudit::cli {

void AddParkingCommands(CLI::App& app, CommandAction* selected) {
  CLI::App* parking = app.add_subcommand("parking", "Parking spots booked as rewards");
  parking->require_subcommand(1);

  struct CalendarOptions {
    std::string month;
    std::string format;
  };
  auto options = std::make_shared<CalendarOptions>();
  CLI::App* calendar = parking->add_subcommand(
      "calendar", "Who has which spot when (default: bookings from today on)");
  calendar->add_option("--month", options->month, "Only bookings overlapping this month")
      ->type_name("YYYY-MM");
  AddOutputOption(calendar, &options->format, {"table", "json", "csv"});
  calendar->callback([=] {
    *selected = [=](CliContext& ctx) {
      std::map<std::string, std::string> args;
      if (!options->month.empty()) args["month"] = options->month;
      return RunPluginQuery(ctx, "parking", "calendar", args, options->format);
    };
  });
}

}  // namespace plaudit::cli
