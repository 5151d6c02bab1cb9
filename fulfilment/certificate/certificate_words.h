// The words printed on a certificate, in the languages Plaudit's pages come in: English, Malay,
// Portuguese, Swedish and Persian. A certificate is printed in the recipient's language (the
// agent's locale), so that it reads as theirs.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_WORDS_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_WORDS_H_

#include <string>
#include <string_view>

#include "absl/time/civil_time.h"

namespace plaudit::fulfilment {

struct CertificateWords {
  const char* language;      // "en", "ms", "pt", "sv", "fa"
  const char* title;         // "Certificate of Recognition"
  const char* presented_to;  // "is presented to"
  const char* for_period;    // "for {}": {} is the period, phrased by PhraseDay/PhraseMonth
  const char* award;         // "Award {}": {} is the award id
  const char* credential;    // "Credential {}": {} is the credential id
  const char* scan;          // under the QR code
  const char* months[12];
  bool native_digits;  // Persian: the date's digits in Extended Arabic-Indic (۰–۹)
};

// The words for a language tag ("sv", "pt-BR", "fa_IR", "MS"): its primary subtag chooses, and
// nullptr when Plaudit has no words in that language.
const CertificateWords* WordsFor(std::string_view language_tag);

// The English words, for an agent without a locale or in a language Plaudit lacks.
const CertificateWords& EnglishWords();

// "5 October 2026" / "5 de outubro de 2026" / "۵ اکتبر ۲۰۲۶".
std::string PhraseDay(const CertificateWords& words, absl::CivilDay day);
// "October 2026" / "outubro de 2026".
std::string PhraseMonth(const CertificateWords& words, absl::CivilMonth month);
// `pattern` with its one "{}" replaced by `value` (a pattern without one is returned as it is).
std::string Fill(const char* pattern, std::string_view value);

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_WORDS_H_
