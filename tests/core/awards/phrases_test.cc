#include "core/awards/phrases.h"

#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace plaudit {
namespace {

using ::testing::ElementsAre;

Phrase Said(std::string key, std::vector<std::string> args, std::string text,
            std::vector<Phrase> parts = {}) {
  return Phrase{std::move(key), std::move(args), std::move(text), std::move(parts)};
}

TEST(Phrases, ReadsTheValuesOfTheSentencesTheDecisionWrites) {
  EXPECT_THAT(ParsePhrases("tenure 20 days < 90"),
              ElementsAre(Said("reason.tenure", {"20", "90"}, "tenure 20 days < 90")));
  EXPECT_THAT(ParsePhrases("aht_seconds: 3 samples < min_samples 10"),
              ElementsAre(Said("reason.samples", {"aht_seconds", "3", "10"},
                               "aht_seconds: 3 samples < min_samples 10")));
  EXPECT_THAT(ParsePhrases("gate complaints sum 4 > max 2"),
              ElementsAre(Said("reason.gate_above", {"complaints", "sum", "4", "2"},
                               "gate complaints sum 4 > max 2")));
  EXPECT_THAT(ParsePhrases("score of number 3 of 41 in peer group chat"),
              ElementsAre(Said("cutoff.nth_in_group", {"3", "41", "chat"},
                               "score of number 3 of 41 in peer group chat")));
  EXPECT_THAT(
      ParsePhrases("the 3 largest improvements over the previous period of the score"),
      ElementsAre(Said("cutoff.improvement_of_score", {"3"},
                       "the 3 largest improvements over the previous period of the score")));
}

// "a; b" is two sentences unless one template wrote both; a state reason adds a budget's word to
// an approval.
TEST(Phrases, SplitsCompositeSentences) {
  EXPECT_THAT(ParsePhrases("already the best value of the peer group; not enough alone"),
              ElementsAre(Said("whatif.best_in_group", {},
                               "already the best value of the peer group; not enough alone")));
  EXPECT_THAT(ParsePhrases("approved by anna; fixed budget has 40 EUR left, the award is 50 EUR"),
              ElementsAre(Said("state.approved", {"anna"}, "approved by anna"),
                          Said("state.fixed_budget", {"40 EUR", "50 EUR"},
                               "fixed budget has 40 EUR left, the award is 50 EUR")));
  EXPECT_THAT(
      ParsePhrases("approval: auto; flexible budget exceeded by 30 EUR"),
      ElementsAre(Said("state.auto_approved", {}, "approval: auto"),
                  Said("state.flexible_budget", {"30 EUR"}, "flexible budget exceeded by 30 EUR")));
  // A manager's own words stay as written, even where they hold "; ".
  EXPECT_THAT(ParsePhrases("rejected by anna: repeat contacts; see ticket 7"),
              ElementsAre(Said("state.rejected_why", {"anna", "repeat contacts"},
                               "rejected by anna: repeat contacts"),
                          Said("", {}, "see ticket 7")));
}

// A hold names its conditions after it; the next hold starts a phrase of its own.
TEST(Phrases, ReadsAHoldsConditionsAsItsParts) {
  const std::vector<Phrase> phrases = ParsePhrases(
      "hold \"fast\": aht_seconds mean 95 is in the best 20% of peer group chat (0 of 5 better); "
      "complaints sum 0 is at most 0; hold \"busy\": calls sum 900 is at least 800");
  ASSERT_EQ(phrases.size(), 2u);
  EXPECT_EQ(phrases[0].key, "state.hold");
  EXPECT_THAT(phrases[0].args, ElementsAre("fast"));
  EXPECT_THAT(phrases[0].parts,
              ElementsAre(Said("hold.best", {"aht_seconds", "mean", "95", "20", "chat", "0", "5"},
                               "aht_seconds mean 95 is in the best 20% of peer group chat (0 of "
                               "5 better)"),
                          Said("hold.at_most", {"complaints", "sum", "0", "0"},
                               "complaints sum 0 is at most 0")));
  EXPECT_EQ(phrases[0].text,
            "hold \"fast\": aht_seconds mean 95 is in the best 20% of peer group chat (0 of 5 "
            "better); complaints sum 0 is at most 0");
  EXPECT_EQ(phrases[1].key, "state.hold");
  EXPECT_THAT(phrases[1].args, ElementsAre("busy"));
  EXPECT_THAT(phrases[1].parts, ElementsAre(Said("hold.at_least", {"calls", "sum", "900", "800"},
                                                 "calls sum 900 is at least 800")));
}

// An ineligible agent's what-if names the reasons, which the page lists on their own.
TEST(Phrases, ARestTemplateKeepsTheWholeSentence) {
  EXPECT_THAT(
      ParsePhrases("ineligible: inactive; tenure 20 days < 90"),
      ElementsAre(Said("whatif.ineligible", {}, "ineligible: inactive; tenure 20 days < 90")));
}

TEST(Phrases, ASentenceNoTemplateWroteIsKeptInEnglish) {
  EXPECT_THAT(ParsePhrases("something new"), ElementsAre(Said("", {}, "something new")));
  EXPECT_THAT(ParsePhrases(""), ::testing::IsEmpty());
  // A condition is read only after a hold.
  EXPECT_EQ(ParsePhrases("calls sum 900 is at least 800")[0].key, "");
}

// Each template reads back the values it was filled with.
TEST(Phrases, EveryTemplateReadsBackItsOwnValues) {
  std::set<std::string> keys;
  for (const PhraseTemplate& t : PhraseTemplates()) {
    EXPECT_TRUE(keys.insert(t.key).second) << "key " << t.key << " twice";
    if (std::string_view(t.key).starts_with("hold.")) continue;  // read after a hold only
    std::string text = t.english;
    std::vector<std::string> args;
    for (int i = 0; i < 10; ++i) {
      const std::string slot = "{" + std::to_string(i) + "}";
      const size_t at = text.find(slot);
      if (at == std::string::npos) break;
      args.push_back("v" + std::to_string(i) + "x");
      text.replace(at, slot.size(), args.back());
    }
    if (const size_t at = text.find("{*}"); at != std::string::npos) text.replace(at, 3, "a; b");
    if (const size_t at = text.find("{+}"); at != std::string::npos) {
      text.replace(at, 3, "calls sum 9 is at least 8");
    }
    const std::vector<Phrase> phrases = ParsePhrases(text);
    ASSERT_EQ(phrases.size(), 1u) << text;
    EXPECT_EQ(phrases[0].key, t.key) << text;
    EXPECT_EQ(phrases[0].args, args) << text;
    EXPECT_EQ(phrases[0].text, text);
  }
}

// The pages word each template from their catalogue: the English one holds each template as
// written here (a tail's sentences are shown by the page elsewhere or as parts), and every
// language the same placeholders.
TEST(Phrases, ThePagesCatalogueHoldsEveryTemplate) {
  const std::vector<std::string> languages = {"en", "ms", "pt", "sv", "fa"};
  const std::regex placeholder(R"(\{\d\})");
  auto placeholders = [&](const std::string& text) {
    std::multiset<std::string> found;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), placeholder);
         it != std::sregex_iterator(); ++it) {
      found.insert(it->str());
    }
    return found;
  };
  for (const std::string& language : languages) {
    std::ifstream in(std::string(PLAUDIT_WEB_DIR) + "/i18n/" + language + ".json");
    ASSERT_TRUE(in) << language;
    const nlohmann::json catalogue = nlohmann::json::parse(in);
    for (const PhraseTemplate& t : PhraseTemplates()) {
      const std::string key = std::string("say.") + t.key;
      ASSERT_TRUE(catalogue.contains(key)) << language << ".json has no " << key;
      const std::string said = catalogue[key].get<std::string>();
      std::string english = t.english;
      const bool tail = english.ends_with("{*}") || english.ends_with("{+}");
      if (language == "en" && !tail) {
        EXPECT_EQ(said, english) << key;
      }
      if (tail) english.resize(english.size() - 3);
      EXPECT_EQ(placeholders(said), placeholders(english)) << language << " " << key;
    }
  }
}

}  // namespace
}  // namespace plaudit
