// A Store in a temp directory for tests, and agents to put in it.
#ifndef PLAUDIT_TESTS_TESTING_TEST_STORE_H_
#define PLAUDIT_TESTS_TESTING_TEST_STORE_H_

#include <memory>
#include <string>

#include "core/store/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace plaudit::testing {

// An active agent `id` ("Agent <id>", <id>@example.com, team T) hired 2024-01-15.
inline Agent TestAgent(const std::string& id, Channel channel = Channel::kPhone) {
  Agent a;
  a.id = id;
  a.display_name = "Agent " + id;
  a.email = id + "@example.com";
  a.team = "T";
  a.channel = channel;
  a.hire_date = absl::CivilDay(2024, 1, 15);
  return a;
}

// The secrets key of test stores: the same every time, so a test may open its store again.
inline StateCipher TestCipher() { return *StateCipher::FromKey(std::string(32, 'k')); }

// Opens a fresh store in `dir`, failing the test if it cannot.
inline std::unique_ptr<Store> OpenTestStore(const TempDir& dir) {
  auto store = Store::Open(dir.File("plaudit.db"), TestCipher());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

}  // namespace plaudit::testing

#endif  // PLAUDIT_TESTS_TESTING_TEST_STORE_H_
