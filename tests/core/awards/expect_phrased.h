// A check for tests of code that writes sentences about awards: each is one the pages can put
// into their reader's language, i.e. some template of core/awards/phrases.h wrote it.
#ifndef PLAUDIT_TESTS_CORE_AWARDS_EXPECT_PHRASED_H_
#define PLAUDIT_TESTS_CORE_AWARDS_EXPECT_PHRASED_H_

#include <string>

#include "core/awards/phrases.h"
#include "gtest/gtest.h"

namespace plaudit {

inline void ExpectPhrased(const std::string& text) {
  for (const Phrase& phrase : ParsePhrases(text)) {
    EXPECT_NE(phrase.key, "") << "no template of core/awards/phrases.cc wrote \"" << phrase.text
                              << "\" (in \"" << text << "\")";
    for (const Phrase& part : phrase.parts) {
      EXPECT_NE(part.key, "") << "no hold condition template wrote \"" << part.text << "\"";
    }
  }
}

}  // namespace plaudit

#endif  // PLAUDIT_TESTS_CORE_AWARDS_EXPECT_PHRASED_H_
