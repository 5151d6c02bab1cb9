#include "core/praise/praise_ledger.h"

#include <cstdio>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace plaudit {
namespace {

constexpr size_t kMaxMessageLength = 500;
constexpr size_t kMaxValueLength = 32;
constexpr size_t kMaxRequestIdLength = 128;

std::string NewPraiseId() {
  thread_local absl::BitGen rng;
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "pr_%016llx",
                static_cast<unsigned long long>(absl::Uniform<uint64_t>(rng)));
  return buffer;
}

bool IsValueTag(const std::string& value) {
  if (value.empty() || value.size() > kMaxValueLength) return false;
  for (char c : value) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) ||
          absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool HasControlCharacter(const std::string& text) {
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  }
  return false;
}

// The agent, checked to exist and be active; `field` names the request field in errors.
absl::StatusOr<Agent> ActiveAgent(Store* store, const std::string& id, const char* field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  auto agent = store->GetAgent(id);
  if (!agent.ok()) return agent.status();
  if (!agent->has_value()) {
    return absl::NotFoundError(absl::StrCat(field, ": agent \"", id, "\" not found"));
  }
  if (!(*agent)->active) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": agent \"", id, "\" is inactive"));
  }
  return **agent;
}

}  // namespace

absl::StatusOr<PraiseRecord> PraiseLedger::Send(const std::string& from_agent_id,
                                                const std::string& to_agent_id,
                                                const std::string& message,
                                                const std::string& value,
                                                const std::string& request_id) {
  std::string text(absl::StripAsciiWhitespace(message));
  if (text.empty()) return absl::InvalidArgumentError("message: required");
  if (text.size() > kMaxMessageLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("message: longer than ", kMaxMessageLength, " bytes (", text.size(), ")"));
  }
  if (HasControlCharacter(text)) {
    return absl::InvalidArgumentError("message: contains a control character");
  }
  if (!value.empty() && !IsValueTag(value)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value: \"", value, "\" is not a tag of 1-32 lowercase letters, digits, _ or -"));
  }
  if (request_id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError("request_id: longer than 128 bytes");
  }
  if (!from_agent_id.empty() && from_agent_id == to_agent_id) {
    return absl::InvalidArgumentError("to_agent_id: nobody can praise themselves");
  }
  auto from = ActiveAgent(store_, from_agent_id, "from_agent_id");
  if (!from.ok()) return from.status();
  auto to = ActiveAgent(store_, to_agent_id, "to_agent_id");
  if (!to.ok()) return to.status();

  absl::Time now = clock_->Now();
  absl::CivilMonth month = absl::ToCivilMonth(now, options_.zone);
  PraiseRecord praise;
  praise.id = NewPraiseId();
  praise.from_agent_id = from_agent_id;
  praise.to_agent_id = to_agent_id;
  praise.message = text;
  praise.value = value;
  praise.request_id = request_id;
  praise.sent_us = absl::ToUnixMicros(now);
  auto stored = store_->InsertPraise(praise, AllowanceIn(month));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "from_agent_id: ", from_agent_id, " has already sent ", options_.monthly_allowance,
        " praise in ", absl::FormatCivilTime(month), " (the monthly allowance)"));
  }
  return **stored;
}

PraiseAllowance PraiseLedger::AllowanceIn(absl::CivilMonth month) const {
  PraiseAllowance allowance;
  allowance.start_us = absl::ToUnixMicros(absl::FromCivil(month, options_.zone));
  allowance.end_us = absl::ToUnixMicros(absl::FromCivil(month + 1, options_.zone));
  allowance.limit = options_.monthly_allowance;
  return allowance;
}

absl::StatusOr<PraiseLedger::Allowance> PraiseLedger::AllowanceOf(const std::string& agent_id) {
  const absl::CivilMonth month = absl::ToCivilMonth(clock_->Now(), options_.zone);
  auto used = store_->CountPraiseSent(agent_id, AllowanceIn(month));
  if (!used.ok()) return used.status();
  return Allowance{month, options_.monthly_allowance, static_cast<int>(*used)};
}

absl::StatusOr<std::vector<PraiseRecord>> PraiseLedger::Feed(const std::string& agent_id) {
  return store_->ListPraise(agent_id);
}

}  // namespace plaudit
