#include "core/domain/metric_catalogue.h"

namespace plaudit {
namespace {

MetricSpec Count(std::string name, std::string description,
                 Direction direction = Direction::kHigherIsBetter) {
  return MetricSpec{std::move(name), std::move(description), direction, 0.0, std::nullopt};
}

MetricSpec Bounded(std::string name, std::string description, double min, double max) {
  return MetricSpec{std::move(name), std::move(description), Direction::kHigherIsBetter, min, max};
}

}  // namespace

const std::vector<MetricSpec>& BuiltInMetrics() {
  static const std::vector<MetricSpec> kMetrics = {
      Count("calls_handled", "phone calls handled"),
      Count("emails_handled", "emails handled"),
      Count("chats_handled", "chat conversations handled"),
      Count("aht_seconds", "average handle time of a contact, in seconds",
            Direction::kLowerIsBetter),
      Bounded("csat", "customer satisfaction survey score", 1, 5),
      Bounded("nps", "net promoter survey answer", 0, 10),
      Count("complaints", "complaints received", Direction::kLowerIsBetter),
      Count("followups_flagged", "follow-ups flagged for later"),
      Count("followups_resolved", "follow-ups resolved"),
      Bounded("qa_score", "quality assurance review score", 0, 100),
      Count("sales_value", "value of sales closed"),
      Count("referral_value", "value of business referred"),
      Count("repeat_contacts", "customers who had to contact again", Direction::kLowerIsBetter),
      Count("praise_received", "praise received from colleagues (plaudit praise send)"),
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
