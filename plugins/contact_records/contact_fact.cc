#include "plugins/contact_records/contact_fact.h"

#include "absl/strings/str_cat.h"

namespace plaudit::contacts {

std::string EventIdFor(const ContactFact& fact, const std::string& metric) {
  return absl::StrCat(fact.source, ":", fact.contact_id, ":", fact.participant, ":", metric);
}

}  // namespace plaudit::contacts
