// The sentences Plaudit writes about awards (why an agent is ineligible, what would change the
// outcome, the cut-off's basis, holds, an award's state reason), in a form a page can put into
// its reader's language.
//
// As with gettext, the English sentence is the message: the decision code writes English (what
// the CLI shows, what the store keeps), and ParsePhrases() finds which of the templates below
// wrote it and with what values. A page then words the template in its language with those
// values ("say.<key>" in web/i18n/*.json, whose English entries are these templates, as a test
// checks). A sentence no template wrote keeps an empty key and is shown in English.
#ifndef PLAUDIT_CORE_AWARDS_PHRASES_H_
#define PLAUDIT_CORE_AWARDS_PHRASES_H_

#include <string>
#include <string_view>
#include <vector>

namespace plaudit {

struct Phrase {
  // The template's key ("reason.samples"); empty when no template wrote the sentence.
  std::string key;
  // The template's values, in order of their {0}, {1}, …, as the English sentence has them.
  std::vector<std::string> args;
  // The English sentence.
  std::string text;
  // A hold's conditions, each a phrase of its own.
  std::vector<Phrase> parts;

  bool operator==(const Phrase&) const = default;
};

struct PhraseTemplate {
  const char* key;
  // English with {0}, {1}, … for values. A template ending in "{*}" takes the rest of the text
  // unread (the page shows those sentences elsewhere); one ending in "{+}" reads the rest, and
  // each following "; "-separated sentence, as condition parts.
  const char* english;
};

// Every template, in the order they are tried.
const std::vector<PhraseTemplate>& PhraseTemplates();

// The sentences of `text` ("a; b" is two when no single template wrote all of it).
std::vector<Phrase> ParsePhrases(std::string_view text);

}  // namespace plaudit

#endif  // PLAUDIT_CORE_AWARDS_PHRASES_H_
