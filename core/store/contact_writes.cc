#include "core/store/contact_writes.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace plaudit {

absl::Status CheckDistinctContacts(const std::vector<ContactWrite>& writes) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const ContactWrite& w : writes) {
    if (!seen.emplace(w.contact.source, w.contact.contact_id).second) {
      return absl::InvalidArgumentError(absl::StrCat("contact ", w.contact.contact_id, " of ",
                                                     w.contact.source, " is written twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace plaudit
