#include "core/domain/metric_catalogue.h"

namespace plaudit {
namespace {

// Upper bounds are per event and generous: what no single record from a contact-centre platform
// can honestly carry. They keep one typo (or 1e308) from turning a sum into infinity: with at most
// 1e9 per event, even 1e12 events sum to a finite 1e21.
constexpr double kMaxContactsPerEvent = 10'000;
constexpr double kMaxSecondsPerEvent = 86'400;
constexpr double kMaxMoneyPerEvent = 1'000'000'000;

MetricSpec Count(std::string name, std::string description, double max,
                 Direction direction = Direction::kHigherIsBetter) {
  return MetricSpec{std::move(name), std::move(description), direction, 0.0, max};
}

MetricSpec Bounded(std::string name, std::string description, double min, double max) {
  return MetricSpec{std::move(name), std::move(description), Direction::kHigherIsBetter, min, max};
}

}  // namespace

const std::vector<MetricSpec>& BuiltInMetrics() {
  static const std::vector<MetricSpec> kMetrics = {
      Count("calls_handled", "phone calls handled", kMaxContactsPerEvent),
      Count("emails_handled", "emails handled", kMaxContactsPerEvent),
      Count("chats_handled", "chat conversations handled", kMaxContactsPerEvent),
      Count("aht_seconds", "average handle time of a contact, in seconds", kMaxSecondsPerEvent,
            Direction::kLowerIsBetter),
      Bounded("csat", "customer satisfaction survey score", 1, 5),
      Bounded("nps", "net promoter survey answer", 0, 10),
      Count("complaints", "complaints received", kMaxContactsPerEvent, Direction::kLowerIsBetter),
      Count("followups_flagged", "follow-ups flagged for later", kMaxContactsPerEvent),
      Count("followups_resolved", "follow-ups resolved", kMaxContactsPerEvent),
      Bounded("qa_score", "quality assurance review score", 0, 100),
      Count("sales_value", "value of sales closed", kMaxMoneyPerEvent),
      Count("referral_value", "value of business referred", kMaxMoneyPerEvent),
      Count("repeat_contacts", "customers who had to contact again", kMaxContactsPerEvent,
            Direction::kLowerIsBetter),
      Count("praise_received", "praise received from colleagues (plaudit praise send)",
            kMaxContactsPerEvent),
  };
  return kMetrics;
}

const MetricSpec* FindMetric(std::string_view name) {
  for (const MetricSpec& spec : BuiltInMetrics()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string_view DirectionName(Direction direction) {
  return direction == Direction::kLowerIsBetter ? "lower_is_better" : "higher_is_better";
}

}  // namespace plaudit
