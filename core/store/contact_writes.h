// What both backends check of the contacts given to ContactStore::WriteContacts.
#ifndef PLAUDIT_CORE_STORE_CONTACT_WRITES_H_
#define PLAUDIT_CORE_STORE_CONTACT_WRITES_H_

#include <vector>

#include "absl/status/status.h"
#include "core/store/contact_store.h"

namespace plaudit {

// INVALID_ARGUMENT when two of `writes` are of the same contact (WriteContacts refuses them).
absl::Status CheckDistinctContacts(const std::vector<ContactWrite>& writes);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_STORE_CONTACT_WRITES_H_
